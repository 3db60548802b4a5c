"""Word lists and fixed rows for the demo data set (see kefu/demo/__init__.py).

Everything here is plain data: Chinese names, addresses, services and the texts of work orders for a
gas / water / broadband utility. The demo content is sample data in Chinese by design (it is what a
Chinese utility's archive contains), not user-interface text, so it is not translated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

COMPANY = {
    "name": "示例城市燃气热力有限公司",
    "hotline": "96777",
    "email": "service@kefu-demo.example.com",
    "website": "https://www.kefu-demo.example.com/",
}

BRANCHES = [
    {
        "code": "north",
        "name": "城北分公司",
        "phone": "0551-6588 1000",
        "address": "示例市城北区和平路88号",
    },
    {
        "code": "south",
        "name": "城南分公司",
        "phone": "0551-6277 2000",
        "address": "示例市城南区解放南路166号",
    },
]

# the company's, branches' and areas' names in the other languages (docs/adr/0008-content-translations.md)
COMPANY_TRANSLATIONS = {
    "en": {"name": "Example City Gas & Heating Co., Ltd."},
    "hu": {"name": "Példaváros Gáz- és Hőszolgáltató Kft."},
    "zh-hant": {"name": "示例城市燃氣熱力有限公司"},
}
BRANCH_TRANSLATIONS = {
    "north": {
        "en": {"name": "North branch", "address": "88 Heping Road, Chengbei District, Example City"},
        "hu": {"name": "Északi kirendeltség", "address": "Példaváros, Chengbei kerület, Heping út 88."},
        "zh-hant": {"name": "城北分公司", "address": "示例市城北區和平路88號"},
    },
    "south": {
        "en": {"name": "South branch", "address": "166 Jiefang South Road, Chengnan District, Example City"},
        "hu": {"name": "Déli kirendeltség", "address": "Példaváros, Chengnan kerület, Jiefang déli út 166."},
        "zh-hant": {"name": "城南分公司", "address": "示例市城南區解放南路166號"},
    },
}
AREA_TRANSLATIONS = {  # area code → English, Hungarian, Traditional Chinese name
    "n-center": ("Chengbei centre", "Chengbei központ", "城北中心片區"),
    "n-beiyuan": ("Beiyuan new district", "Beiyuan új városrész", "北苑新區片區"),
    "n-liulin": ("Liulin town (rural)", "Liulin település (vidéki)", "柳林鎮片區（鄉鎮）"),
    "s-oldtown": ("Chengnan old town", "Chengnan óváros", "城南老城片區"),
    "s-nanhu": ("Nanhu new district", "Nanhu új városrész", "南湖新區片區"),
    "s-shiqiao": ("Shiqiao township (rural)", "Shiqiao község (vidéki)", "石橋鄉片區（鄉鎮）"),
}


def area_translations(code: str) -> dict[str, dict[str, str]]:
    names = AREA_TRANSLATIONS.get(code)
    if names is None:
        return {}
    return {lang: {"name": name} for lang, name in zip(("en", "hu", "zh-hant"), names, strict=True)}


OPENING_HOURS = "周一至周日 08:30–17:30"
OUTLETS = {
    "north": [
        ("城北营业厅（和平路）", "示例市城北区和平路88号一楼", "0551-6588 1001"),
        ("北苑营业厅", "示例市城北区北苑路12号北苑商业中心", "0551-6588 1002"),
        ("柳林镇营业站", "示例市柳林镇人民路3号", "0551-6588 1003"),
    ],
    "south": [
        ("城南营业厅（解放南路）", "示例市城南区解放南路166号", "0551-6277 2001"),
        ("南湖营业厅", "示例市城南区南湖大道208号", "0551-6277 2002"),
    ],
}

# the outlets' texts in the other languages (docs/adr/0008-content-translations.md): name → (English, Hungarian,
# Traditional Chinese) of the name and of the address; the opening hours likewise
OUTLET_TRANSLATIONS = {
    "城北营业厅（和平路）": (
        (
            "Chengbei service hall (Heping Road)",
            "Chengbei ügyfélszolgálati iroda (Heping út)",
            "城北營業廳（和平路）",
        ),
        (
            "1F, 88 Heping Road, Chengbei District",
            "Chengbei kerület, Heping út 88., földszint",
            "示例市城北區和平路88號一樓",
        ),
    ),
    "北苑营业厅": (
        ("Beiyuan service hall", "Beiyuan ügyfélszolgálati iroda", "北苑營業廳"),
        (
            "Beiyuan Shopping Centre, 12 Beiyuan Road, Chengbei District",
            "Chengbei kerület, Beiyuan út 12., Beiyuan bevásárlóközpont",
            "示例市城北區北苑路12號北苑商業中心",
        ),
    ),
    "柳林镇营业站": (
        ("Liulin town service point", "Liulini ügyfélszolgálati pont", "柳林鎮營業站"),
        ("3 Renmin Road, Liulin", "Liulin, Renmin út 3.", "示例市柳林鎮人民路3號"),
    ),
    "城南营业厅（解放南路）": (
        (
            "Chengnan service hall (Jiefang South Road)",
            "Chengnan ügyfélszolgálati iroda (Jiefang déli út)",
            "城南營業廳（解放南路）",
        ),
        (
            "166 Jiefang South Road, Chengnan District",
            "Chengnan kerület, Jiefang déli út 166.",
            "示例市城南區解放南路166號",
        ),
    ),
    "南湖营业厅": (
        ("Nanhu service hall", "Nanhu ügyfélszolgálati iroda", "南湖營業廳"),
        (
            "208 Nanhu Avenue, Chengnan District",
            "Chengnan kerület, Nanhu sugárút 208.",
            "示例市城南區南湖大道208號",
        ),
    ),
}
OPENING_HOURS_TRANSLATIONS = ("Mon–Sun 08:30–17:30", "hétfő–vasárnap 08:30–17:30", "週一至週日 08:30–17:30")


def outlet_translations(name: str) -> dict[str, dict[str, str]]:
    names, addresses = OUTLET_TRANSLATIONS.get(name, (("", "", ""), ("", "", "")))
    result: dict[str, dict[str, str]] = {}
    for i, lang in enumerate(("en", "hu", "zh-hant")):
        entry = {"name": names[i], "address": addresses[i], "opening_hours": OPENING_HOURS_TRANSLATIONS[i]}
        result[lang] = {k: v for k, v in entry.items() if v}
    return result


DEPARTMENTS = ["维修班", "安装队", "营业厅", "客服中心"]


@dataclass(frozen=True)
class AreaDef:
    branch: str
    code: str
    name: str
    kind: str  # urban / rural
    households: int
    keywords: tuple[str, ...]
    district: str  # how addresses in the area start
    responsible: tuple[str, ...]  # usernames


AREAS = [
    AreaDef(
        "north",
        "n-center",
        "城北中心片区",
        "urban",
        4600,
        ("和平路", "建设北街", "幸福里小区", "北站路"),
        "示例市城北区",
        ("tech1",),
    ),
    AreaDef(
        "north",
        "n-beiyuan",
        "北苑新区片区",
        "urban",
        3800,
        ("北苑路", "北苑家园", "清河湾小区", "科技园"),
        "示例市城北区",
        ("tech2",),
    ),
    AreaDef(
        "north",
        "n-liulin",
        "柳林镇片区（乡镇）",
        "rural",
        2100,
        ("柳林镇", "东柳村", "西柳村"),
        "示例市",
        ("tech1", "agent3"),
    ),
    AreaDef(
        "south",
        "s-oldtown",
        "城南老城片区",
        "urban",
        5000,
        ("解放南路", "南门街", "文庙街", "锦绣花园"),
        "示例市城南区",
        ("tech3",),
    ),
    AreaDef(
        "south",
        "s-nanhu",
        "南湖新区片区",
        "urban",
        3300,
        ("南湖大道", "湖滨小区", "南湖工业园"),
        "示例市城南区",
        ("tech4",),
    ),
    AreaDef(
        "south",
        "s-shiqiao",
        "石桥乡片区（乡镇）",
        "rural",
        1500,
        ("石桥乡", "石桥村", "王庄村"),
        "示例市",
        ("tech3", "agent5"),
    ),
]


@dataclass(frozen=True)
class StaffDef:
    username: str
    name: str
    role: str
    branch: str | None
    department: str | None
    grade: int
    hired_on: dt.date
    leader: str | None
    title: str


STAFF = [
    StaffDef("demo_admin", "陈立群", "admin", None, None, 9, dt.date(2012, 3, 1), None, "系统管理员"),
    StaffDef("gm", "刘建国", "supervisor", None, None, 10, dt.date(2005, 7, 1), None, "总经理"),
    StaffDef("inspector1", "吴敏", "inspector", None, None, 4, dt.date(2014, 9, 1), "gm", "督查"),
    StaffDef(
        "sup_north", "王志强", "supervisor", "north", "客服中心", 6, dt.date(2010, 4, 1), "gm", "分公司经理"
    ),
    StaffDef("agent1", "李娜", "agent", "north", "客服中心", 2, dt.date(2021, 3, 1), "sup_north", "客服"),
    StaffDef(
        "agent2", "赵丽华", "agent", "north", "客服中心", 3, dt.date(2016, 5, 1), "sup_north", "客服组长"
    ),
    StaffDef("agent3", "张晓燕", "agent", "north", "营业厅", 2, dt.date(2019, 8, 1), "sup_north", "营业员"),
    StaffDef(
        "tech1", "孙国庆", "technician", "north", "维修班", 3, dt.date(2011, 10, 1), "sup_north", "维修班长"
    ),
    StaffDef(
        "tech2", "马建军", "technician", "north", "安装队", 2, dt.date(2018, 6, 1), "sup_north", "安装工"
    ),
    StaffDef(
        "followup1", "周婷", "followup", "north", "客服中心", 2, dt.date(2020, 2, 1), "sup_north", "回访员"
    ),
    StaffDef(
        "sup_south", "郑海峰", "supervisor", "south", "客服中心", 6, dt.date(2009, 11, 1), "gm", "分公司经理"
    ),
    StaffDef("agent4", "钱芳", "agent", "south", "客服中心", 2, dt.date(2020, 7, 1), "sup_south", "客服"),
    StaffDef("agent5", "何静", "agent", "south", "营业厅", 2, dt.date(2022, 4, 1), "sup_south", "营业员"),
    StaffDef(
        "tech3", "黄伟", "technician", "south", "维修班", 3, dt.date(2013, 5, 1), "sup_south", "维修班长"
    ),
    StaffDef("tech4", "林涛", "technician", "south", "安装队", 2, dt.date(2019, 3, 1), "sup_south", "安装工"),
    StaffDef(
        "followup2", "高雪", "followup", "south", "客服中心", 2, dt.date(2021, 9, 1), "sup_south", "回访员"
    ),
]

# department leaders per branch: department name -> username
DEPARTMENT_LEADERS = {
    "north": {"维修班": "tech1", "安装队": "tech2", "营业厅": "agent3", "客服中心": "sup_north"},
    "south": {"维修班": "tech3", "安装队": "tech4", "营业厅": "agent5", "客服中心": "sup_south"},
}


@dataclass(frozen=True)
class ServiceDef:
    code: str
    name: str
    name_en: str
    order_type: str
    sale_phase: str
    technical: bool
    place: str
    fee: Decimal
    recurring: bool
    description: str


# emergency services: urgent, an arrival clock in minutes, the on-duty technicians called out
EMERGENCY_SERVICES = frozenset({"gas-leak"})

SERVICES = [
    ServiceDef(
        "gas-fault",
        "燃气故障报修",
        "Gas fault repair",
        "fault_general",
        "after",
        True,
        "onsite",
        Decimal("0"),
        False,
        "燃气表、管道、灶具接口等一般故障，24小时内修复。",
    ),
    ServiceDef(
        "water-fault",
        "供水故障报修",
        "Water supply fault repair",
        "fault_general",
        "after",
        True,
        "onsite",
        Decimal("0"),
        False,
        "水压低、水质异常、表前管道漏水等一般故障。",
    ),
    ServiceDef(
        "broadband-fault",
        "宽带故障报修",
        "Broadband fault repair",
        "fault_general",
        "after",
        True,
        "remote",
        Decimal("0"),
        False,
        "宽带无法上网、网速慢、频繁掉线。",
    ),
    ServiceDef(
        "meter-replace",
        "表具更换",
        "Meter replacement",
        "fault_general",
        "after",
        True,
        "onsite",
        Decimal("150.00"),
        False,
        "到期或损坏的燃气表、水表更换；人为损坏收取材料费。",
    ),
    ServiceDef(
        "boiler-care",
        "壁挂炉年度保养",
        "Annual boiler maintenance",
        "fault_general",
        "after",
        True,
        "onsite",
        Decimal("120.00"),
        True,
        "每年供暖季前上门清洗保养，按年收费。",
    ),
    ServiceDef(
        "gas-leak",
        "燃气泄漏抢修",
        "Gas leak emergency repair",
        "fault_major",
        "after",
        True,
        "onsite",
        Decimal("0"),
        False,
        "燃气泄漏、管道破损等重大故障，接报后立即出发，72小时内处理完毕。",
    ),
    ServiceDef(
        "pipe-burst",
        "管网爆管抢修",
        "Water main burst repair",
        "fault_major",
        "after",
        True,
        "onsite",
        Decimal("0"),
        False,
        "供水主管爆裂、大面积停水。",
    ),
    ServiceDef(
        "install-urban",
        "新装开通（城区）",
        "New connection (urban)",
        "install_urban",
        "pre",
        True,
        "onsite",
        Decimal("2800.00"),
        False,
        "城区居民及商业用户新装燃气、供水、宽带，管网具备条件后5个工作日内开通。",
    ),
    ServiceDef(
        "install-rural",
        "新装开通（农村）",
        "New connection (rural)",
        "install_rural",
        "pre",
        True,
        "onsite",
        Decimal("3200.00"),
        False,
        "乡镇及农村用户新装（含煤改气），管网具备条件后10个工作日内开通。",
    ),
    ServiceDef(
        "restore",
        "停气恢复",
        "Supply restoration",
        "restoration",
        "in",
        True,
        "onsite",
        Decimal("50.00"),
        False,
        "欠费停气缴清后、安全隐患整改后恢复供气，5个工作日内办结。",
    ),
    ServiceDef(
        "complaint",
        "服务投诉",
        "Service complaint",
        "complaint",
        "after",
        False,
        "counter",
        Decimal("0"),
        False,
        "对服务态度、收费、时限等的投诉，3个工作日内答复。",
    ),
    ServiceDef(
        "inquiry",
        "业务咨询",
        "Inquiry",
        "inquiry",
        "pre",
        False,
        "remote",
        Decimal("0"),
        False,
        "气价、缴费、业务办理流程等咨询。",
    ),
    ServiceDef(
        "ownership",
        "过户",
        "Change of account holder",
        "inquiry",
        "in",
        False,
        "counter",
        Decimal("20.00"),
        False,
        "房屋买卖、继承、租赁变更的用户名称变更，需携带材料到营业厅办理。",
    ),
    ServiceDef(
        "suggestion",
        "建议",
        "Suggestion",
        "suggestion",
        "after",
        False,
        "remote",
        Decimal("0"),
        False,
        "客户对产品和服务的意见建议。",
    ),
    ServiceDef(
        "praise",
        "表扬",
        "Praise",
        "praise",
        "after",
        False,
        "remote",
        Decimal("0"),
        False,
        "客户对员工和服务的表扬。",
    ),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN_NAMES = (
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "建国",
    "建华",
    "志强",
    "文斌",
    "海燕",
    "晓东",
    "春梅",
    "秀珍",
    "宇航",
    "子涵",
    "思远",
    "梓萱",
    "浩然",
    "欣怡",
    "一鸣",
    "雨桐",
    "俊杰",
    "淑芬",
    "德明",
    "桂芳",
    "永红",
    "国庆",
    "立新",
    "玉兰",
    "红梅",
    "丽娟",
    "建军",
    "志刚",
    "晓燕",
    "婷婷",
    "丹",
    "鹏",
    "辉",
    "斌",
    "宁",
    "凤英",
    "金凤",
    "振华",
    "春生",
    "玉珍",
    "海涛",
    "雪梅",
    "佳怡",
    "子轩",
    "宏伟",
    "秀云",
    "文华",
)

MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
)

EMAIL_DOMAINS = ("example.com", "example.cn", "mail.example.net")

STREET_SUFFIX = ("号", "号院", "弄")
BUILDINGS = ("1栋", "2栋", "3栋", "5栋", "8栋", "A座", "B座", "")

BUSINESS_KINDS = (
    ("川菜馆", "餐饮"),
    ("大酒店", "酒店"),
    ("面馆", "餐饮"),
    ("火锅店", "餐饮"),
    ("机械厂", "工厂"),
    ("食品加工厂", "工厂"),
    ("洗衣房", "服务"),
    ("幼儿园", "学校"),
    ("社区卫生服务中心", "医疗"),
    ("浴池", "服务"),
    ("宾馆", "酒店"),
    ("陶瓷厂", "工厂"),
)
BUSINESS_BRANDS = (
    "老王",
    "福满楼",
    "好再来",
    "宏达",
    "鑫源",
    "金桥",
    "顺发",
    "和顺",
    "红星",
    "长青",
    "四季",
    "惠民",
)
PARTNER_KINDS = ("燃气具经销部（授权经销商）", "便民缴费点（代收费网点）", "物业服务有限公司（代收费网点）")
INTERNAL_UNITS = (
    "管网运行部",
    "计量检定中心",
    "后勤保障科",
    "职工食堂",
    "调度指挥中心",
    "办公楼",
    "职工宿舍",
    "第一加气站",
    "第二加气站",
    "抢修中心",
    "仓储物流中心",
    "培训中心",
    "车队",
    "信息中心",
    "安全监察部",
)
CONTACT_TITLES = ("负责人", "总经理", "后勤主管", "财务", "厨师长", "设备科长", "店长")

NOTES = (
    "老人独居，上门前请先电话联系其子女。",
    "客户要求只在周末上门服务。",
    "客户对收费较敏感，解释政策时请耐心。",
    "重点保障用户，供气中断需第一时间通知。",
    "小区门禁需提前联系物业开门。",
    "客户听力不好，请大声慢速沟通。",
    "该户曾发生燃气泄漏，安检时重点检查软管。",
    "客户偏好短信通知，不方便接电话。",
)
BAD_RECORDS = (
    ("恶意欠费", "连续三期欠费，催缴无果后停气。"),
    ("私改燃气管道", "安检发现私自改动户内燃气管道，已责令整改。"),
    ("辱骂工作人员", "在营业厅辱骂工作人员，有录像为证。"),
    ("表具人为损坏", "燃气表封印被破坏，疑似人为干扰计量。"),
)

# work-order texts per service code: (title, description); {addr} is the customer's address.
ORDER_TEXTS: dict[str, list[tuple[str, str]]] = {
    "gas-fault": [
        (
            "燃气灶打不着火",
            "客户来电反映家中燃气灶点火困难，打火有咔咔声但点不着，已持续两天。地址：{addr}。",
        ),
        ("燃气表不走字", "客户反映燃气表读数多日不变，但灶具能正常使用，怀疑表具故障。地址：{addr}。"),
        (
            "热水器点不着，怀疑供气压力不足",
            "客户反映热水器频繁熄火，灶具火苗也偏小，怀疑供气压力不足。地址：{addr}。",
        ),
        ("IC卡表充值后不通气", "客户在营业厅购气后插卡，表具显示已充值但阀门不开，无法用气。地址：{addr}。"),
        ("燃气表显示屏不亮", "客户反映燃气表液晶屏无显示，不知道剩余气量。地址：{addr}。"),
    ],
    "water-fault": [
        ("水压偏低，高层用户基本无水", "客户反映早晚用水高峰水压很低，六楼以上基本没水。地址：{addr}。"),
        ("自来水发黄有异味", "客户反映今早开始自来水发黄，有铁锈味，不敢饮用。地址：{addr}。"),
        ("水表井漏水", "客户反映楼下水表井一直在冒水，担心多计水费。地址：{addr}。"),
    ],
    "broadband-fault": [
        (
            "宽带无法上网，光猫LOS灯闪红",
            "客户反映宽带从昨晚开始无法上网，光猫LOS灯闪红灯，已重启无效。地址：{addr}。",
        ),
        ("网速很慢，晚上经常掉线", "客户办理的300M宽带，晚上测速不到20M，经常掉线。地址：{addr}。"),
    ],
    "meter-replace": [
        ("燃气表到期更换", "客户收到表具到期更换通知，预约上门更换燃气表。地址：{addr}。"),
        ("水表损坏申请更换", "客户反映冬季水表冻裂，申请更换新表。地址：{addr}。"),
    ],
    "boiler-care": [
        ("壁挂炉年度保养预约", "客户预约供暖季前壁挂炉清洗保养，希望周六上午上门。地址：{addr}。"),
        ("壁挂炉保养后仍有异响", "客户反映上月保养后壁挂炉启动时仍有异响，要求再次检查。地址：{addr}。"),
    ],
    "gas-leak": [
        (
            "楼道内燃气泄漏，气味很浓",
            "客户来电称楼道内燃气味很浓。已告知立即关闭总阀、开窗通风、不要开关电器，抢修队立即出发。地址：{addr}。",
        ),
        (
            "施工挖断小区燃气管道",
            "小区外市政施工挖断中压燃气管道，现场漏气声明显，已报警并通知抢修。地址：{addr}。",
        ),
        (
            "厨房燃气软管破裂漏气",
            "客户闻到厨房有燃气味，检查发现灶具软管老化破裂。已指导关阀通风。地址：{addr}。",
        ),
    ],
    "pipe-burst": [
        ("供水主管爆裂，路面大量积水", "路口供水主管爆裂，路面积水严重，周边多个小区停水。地址：{addr}。"),
        (
            "整栋楼突然停水，疑似管道破裂",
            "客户反映整栋楼突然停水，地下室有流水声，疑似管道破裂。地址：{addr}。",
        ),
    ],
    "install-urban": [
        ("新房申请开通天然气", "客户新购住房已交付，申请开通管道天然气并安装燃气表。地址：{addr}。"),
        ("商铺申请安装燃气", "客户新开餐饮商铺，申请安装商业燃气及报警装置。地址：{addr}。"),
        ("申请新装300M宽带", "客户新入住，申请安装300M光纤宽带。地址：{addr}。"),
    ],
    "install-rural": [
        ("农村煤改气新装申请", "村民响应煤改气政策，申请安装天然气入户及壁挂炉。地址：{addr}。"),
        ("村民申请自来水入户", "村里管网已通，客户申请自来水入户并安装水表。地址：{addr}。"),
    ],
    "restore": [
        (
            "欠费停气，已缴费申请恢复供气",
            "客户因欠费被停气，今日已在营业厅补缴全部欠费，申请尽快恢复供气。地址：{addr}。",
        ),
        ("装修完成申请恢复供气", "客户房屋装修期间暂停供气，现已完工，申请恢复供气并安检。地址：{addr}。"),
        ("长期停用后申请复通", "客户房屋空置两年后入住，申请复通燃气。地址：{addr}。"),
    ],
    "complaint": [
        ("维修人员上门迟到两个小时", "客户投诉约定上午九点上门维修，师傅十一点多才到，也没有提前电话告知。"),
        ("营业厅排队时间太长", "客户投诉在营业厅排队一个多小时，只开了一个窗口。"),
        ("燃气费账单金额异常，要求退款", "客户投诉本期燃气费比往常高出一倍，认为抄表有误，要求核实并退款。"),
        ("安装师傅服务态度差", "客户投诉安装师傅说话不耐烦，安装完没有清理现场。"),
        ("停气未提前通知", "客户投诉小区昨天停气一整天，事先没有收到任何通知，影响做饭。"),
    ],
    "inquiry": [
        ("咨询阶梯气价如何计算", "客户咨询居民阶梯气价的分档标准和年度用气量如何计算。"),
        ("咨询网上缴费方式", "客户咨询如何通过微信、支付宝缴纳燃气费，是否有手续费。"),
        ("咨询燃气保险理赔流程", "客户咨询家中燃气保险的保障范围和出险后的理赔流程。"),
        ("咨询安检时间安排", "客户咨询今年入户安检什么时候到本小区，能否预约时间。"),
    ],
    "ownership": [
        ("房屋买卖办理燃气过户", "客户购买二手房，咨询并申请办理燃气用户过户。地址：{addr}。"),
        ("租户变更办理用水过户", "房东申请将用水户名变更为新租户。地址：{addr}。"),
    ],
    "suggestion": [
        ("建议增加微信缴费提醒", "客户建议在燃气费到期前通过微信公众号推送缴费提醒。"),
        ("建议营业厅周末延长营业时间", "客户建议营业厅周末延长营业到晚上七点，方便上班族办理业务。"),
        ("建议安检前短信预约时间", "客户建议入户安检前先发短信预约具体时间段，避免白跑。"),
    ],
    "praise": [
        ("表扬维修师傅服务热情", "客户来电表扬维修师傅冒雨上门，耐心细致，修好后还讲解了安全用气知识。"),
        ("感谢客服耐心解答", "客户表扬客服人员耐心解答阶梯气价问题，态度很好。"),
        ("表扬抢修队连夜抢修", "客户代表小区居民表扬抢修队连夜抢修，第二天一早就恢复了供气。"),
    ],
}

# which order type uses which services (weights)
TYPE_SERVICES: dict[str, list[tuple[str, int]]] = {
    "fault_general": [
        ("gas-fault", 5),
        ("water-fault", 2),
        ("broadband-fault", 2),
        ("meter-replace", 2),
        ("boiler-care", 1),
    ],
    "fault_major": [("gas-leak", 3), ("pipe-burst", 1)],
    "install_urban": [("install-urban", 1)],
    "install_rural": [("install-rural", 1)],
    "restoration": [("restore", 1)],
    "complaint": [("complaint", 1)],
    "inquiry": [("inquiry", 3), ("ownership", 1)],
    "suggestion": [("suggestion", 1)],
    "praise": [("praise", 1)],
}
TYPE_WEIGHTS = {
    "fault_general": 30,
    "fault_major": 5,
    "install_urban": 8,
    "install_rural": 4,
    "restoration": 7,
    "complaint": 10,
    "inquiry": 25,
    "suggestion": 5,
    "praise": 6,
}
CHANNEL_WEIGHTS = {"phone": 50, "counter": 18, "portal": 9, "email": 8, "sms": 5, "chat": 10}

ACK_REPLIES = (
    "您好，您反映的问题已经受理，工单号{number}，我们会尽快安排处理，请保持电话畅通。",
    "您好，感谢您的来电，您的诉求已登记（工单号{number}），相关人员将在2小时内与您联系。",
    "您好，已收到您的反馈，我们正在核实情况，处理进展会及时告知您。",
)
MATERIAL_REPLIES = {
    "install": "您好，办理新装需要一次性提供以下材料：1. 房产证或购房合同复印件；2. 户主身份证复印件；3. 小区物业出具的安装确认单。材料齐全后我们立即安排勘察。",
    "restore": "您好，恢复供气需要一次性提供：1. 缴费凭证；2. 户主身份证复印件；3. 整改完成确认单（如有安全隐患）。请备齐后到营业厅或在网上提交。",
    "ownership": "您好，办理过户需要一次性提供：1. 新房产证复印件；2. 新户主身份证原件及复印件；3. 原户主结清气费的凭证。请备齐后到营业厅办理。",
    "other": "您好，为尽快处理，请一次性补充以下材料：1. 相关照片；2. 最近一期账单；3. 联系人身份证复印件。",
}
WORK_NOTES = (
    "已电话联系客户，约定今天下午三点上门。",
    "已到达现场，正在检查。",
    "需更换配件，已从仓库领料。",
    "现场检查发现表前阀门老化，已更换。",
    "已与物业沟通，明早开门后施工。",
    "已核对近三期抄表记录，正在复核。",
)
PENDING_REASONS = (
    "客户不在家，已留言约定明天上门。",
    "客户要求改到周末上门，等待客户确认时间。",
    "电话多次无人接听，已发短信请客户回电。",
)
RESOLUTIONS = {
    "fault_general": (
        "已更换点火针和燃气软管，试火正常，并向客户讲解了安全用气常识。",
        "已更换故障表具，通气试验正常，读数已登记。",
        "已调整调压器，供气压力恢复正常。",
        "已远程重置端口并更换光猫，网速测试正常。",
    ),
    "fault_major": (
        "抢修完成，已更换破损管段，检漏合格后恢复供气。",
        "已关闭上游阀门并完成焊接修复，管网压力恢复正常。",
    ),
    "install_urban": ("已完成管道安装和表具安装，点火验收合格，正式开通。", "光纤入户安装完成，测速正常。"),
    "install_rural": ("入户管道及壁挂炉安装完毕，通气点火正常，已开通。", "水表安装完成，入户供水正常。"),
    "restoration": ("已核实缴费，现场安检合格，恢复供气。", "复通前安检合格，已恢复供气。"),
    "complaint": (
        "经核实情况属实，已对相关人员批评教育，并向客户当面致歉，客户表示接受。",
        "经复核抄表数据，确为抄表错误，已更正账单并退还多收费用。",
        "已向客户说明情况并致歉，今后停气将提前24小时短信通知。",
    ),
    "inquiry": ("已向客户详细解答，客户表示清楚了。", "已告知办理流程和所需材料，客户满意。"),
    "suggestion": ("感谢建议，已转相关部门研究，采纳后将在官网公布。", "已记录建议并反馈给营业部。"),
    "praise": ("已将表扬转达给相关员工及所在部门，计入月度考核加分。",),
}
FOLLOWUP_NOTES = (
    "回访：客户表示问题已解决，对服务非常满意。",
    "回访：客户表示已正常使用，满意。",
    "回访：客户基本满意，建议上门前提前电话联系。",
)
REOPEN_REASONS = (
    "回访时客户反映问题再次出现，重新派单处理。",
    "客户来电表示故障未彻底排除，要求重新处理。",
)
WITHDRAW_REASONS = (
    ("withdrawn", "客户来电表示问题已自行解决，撤销工单。"),
    ("withdrawn", "客户决定暂不办理，撤销申请。"),
    ("invalid", "打错电话，非本公司业务。"),
)
ESCALATION_REASONS = (
    "重大故障影响整栋楼用气，需领导协调增派抢修力量。",
    "客户多次投诉未能解决，要求升级处理。",
    "涉及赔偿金额超出权限，需领导审批。",
)
PRESIDENT_REASON = "客户要求直接向总经理反映问题（总经理接待日），已按“任何客户都可以找到总经理”的承诺转交。"
ESCALATION_RESPONSES = (
    "已协调抢修队增派两组人员，今晚完成修复。",
    "已亲自致电客户道歉，并安排专人跟进至办结。",
    "同意按政策给予补偿，请营业厅办理。",
)
CUSTOMER_MESSAGES = (
    "请问师傅大概什么时候能到？",
    "我已经把材料照片传上来了，请查收。",
    "谢谢，已经可以正常使用了。",
    "下午两点以后家里有人。",
)


# --- service catalog details: required materials, process steps, fee items --------------------

# service code -> [(material, required)]
MATERIALS: dict[str, list[tuple[str, bool]]] = {
    "install-urban": [
        ("身份证复印件", True),
        ("房产证或租赁合同", True),
        ("安装申请表", True),
        ("户型图", False),
    ],
    "install-rural": [("身份证复印件", True), ("宅基地证明或村委会证明", True), ("安装申请表", True)],
    "ownership": [
        ("原户主身份证", True),
        ("新户主身份证", True),
        ("房产证", True),
        ("过户申请表", True),
        ("结清费用凭证", True),
    ],
    "restore": [("身份证", True), ("欠费缴清凭证", True)],
    "meter-replace": [("身份证", True), ("缴费卡/用户卡", True)],
    "complaint": [("相关票据或照片", False)],
}
STANDARD_STEPS = [
    ("受理", "营业厅、热线或网上营业厅受理，确定首问责任人。"),
    ("核对材料", "一次性告知所缺全部材料；材料齐全后开始计算办理时限。"),
    ("派单", "派给片区责任人或维修班。"),
    ("上门办理", "按约定时间上门；客户不在家时当场留书面说明。"),
    ("回访", "办结后72小时内回访，确认问题解决、客户满意。"),
]
# service code -> [(fee item, amount, unit)]
FEES: dict[str, list[tuple[str, str, str]]] = {
    "meter-replace": [("燃气表更换材料费（人为损坏）", "150.00", "每块")],
    "boiler-care": [("壁挂炉年度保养费", "120.00", "每次")],
    "install-urban": [("开户安装费", "2800.00", "每户"), ("超出3米的管道", "45.00", "每米")],
    "install-rural": [("开户安装费", "3200.00", "每户"), ("超出3米的管道", "45.00", "每米")],
}

# planned maintenance announced in the demo: (area code, title, description, days ahead, hours)
MAINTENANCE = [
    (
        "n-center",
        "中压管网阀门更换",
        "施工期间城北中心片区部分楼栋停气，请提前关闭燃气灶具阀门，恢复供气后先开窗通风再使用。",
        3,
        6,
    ),
]
