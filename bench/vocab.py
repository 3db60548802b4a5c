"""The generated data sets' shape and Chinese text (Kefu and django-helpdesk get the same volume and vocabulary)."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    orders: int  # django-helpdesk: tickets
    customers: int
    timeline: int  # django-helpdesk: follow-ups
    staff: int


SCALES = {
    "tiny": Scale(2_000, 400, 6_000, 20),
    "quick": Scale(10_000, 2_000, 30_000, 30),
    "full": Scale(1_000_000, 200_000, 3_000_000, 300),
}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕建国志强海波晓东"
STREETS = ["和平里", "安定路", "北苑", "南湖乡", "青年路", "建设街", "人民路", "解放大道", "滨江路", "文化街"]
TITLES = [
    "燃气表不走字",
    "厨房有燃气泄漏的味道",
    "热水器打不着火",
    "申请开通燃气",
    "燃气费账单有疑问",
    "灶具火焰发黄",
    "预约上门安检",
    "更换燃气表",
    "宽带无法上网",
    "投诉维修人员迟到",
    "报装进度查询",
    "管道改造咨询",
]
PHRASES = [
    "用户来电反映家中燃气表不走字",
    "闻到明显的漏气味道请尽快上门",
    "热水器点火后马上熄灭",
    "希望周末上门服务",
    "上个月的账单金额比往常高很多",
    "灶具火焰发黄并且有黑烟",
    "小区正在进行管道改造",
    "维修人员约好的时间没有到",
    "老人独居请提前电话联系",
    "已经第二次报修了问题仍然存在",
    "需要开具发票",
    "表箱锈蚀需要更换",
    "楼道里有燃气泄漏报警器在响",
    "客户要求尽快处理并回电",
    "地址在小区东门第三栋",
    "上次安检发现软管老化",
]
# the 2- and 4-character terms that the HTTP benchmark searches for
SEARCH_TERM_2 = "漏气"
SEARCH_TERM_4 = "燃气泄漏"


def chinese_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def description(rng: random.Random) -> str:
    return "，".join(rng.sample(PHRASES, 3)) + "。"


OPEN_SHARE = 10  # one order (ticket) in OPEN_SHARE is open
