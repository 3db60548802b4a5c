"""The default catalogue content (the demo's services, materials, process steps and fee items, and the
services ``clocks.ensure_defaults`` creates) in every language: Simplified Chinese → (English, Traditional
Chinese as read in Taiwan — OpenCC s2twp plus the service-desk terms of scripts/i18n_update.py — Hungarian).

:func:`translations_for` builds a model's ``translations`` value (docs/adr/0008-content-translations.md).
"""

from __future__ import annotations

from typing import Any

# Simplified Chinese: (English, Traditional Chinese, Hungarian)
TEXTS: dict[str, tuple[str, str, str]] = {
    "燃气故障报修": (
        "Gas fault repair",
        "燃氣故障報修",
        "Gázhiba javítása",
    ),
    "供水故障报修": (
        "Water supply fault repair",
        "供水故障報修",
        "Vízellátási hiba javítása",
    ),
    "宽带故障报修": (
        "Broadband fault repair",
        "寬頻故障報修",
        "Szélessávú internet hibájának javítása",
    ),
    "表具更换": (
        "Meter replacement",
        "表具更換",
        "Mérőcsere",
    ),
    "壁挂炉年度保养": (
        "Annual boiler maintenance",
        "壁掛爐年度保養",
        "Fali gázkazán éves karbantartása",
    ),
    "燃气泄漏抢修": (
        "Gas leak emergency repair",
        "燃氣洩漏搶修",
        "Gázszivárgás sürgősségi elhárítása",
    ),
    "管网爆管抢修": (
        "Water main burst repair",
        "管網爆管搶修",
        "Vízfővezeték-törés sürgősségi javítása",
    ),
    "新装开通（城区）": (
        "New connection (urban)",
        "新裝開通（城區）",
        "Új bekötés (város)",
    ),
    "新装开通（农村）": (
        "New connection (rural)",
        "新裝開通（農村）",
        "Új bekötés (vidék)",
    ),
    "停气恢复": (
        "Supply restoration",
        "停氣恢復",
        "A gázszolgáltatás visszaállítása",
    ),
    "服务投诉": (
        "Service complaint",
        "服務投訴",
        "Panasz a szolgáltatásra",
    ),
    "业务咨询": (
        "Inquiry",
        "業務諮詢",
        "Tájékoztatás",
    ),
    "过户": (
        "Change of account holder",
        "過戶",
        "Fogyasztóváltozás (átírás)",
    ),
    "建议": (
        "Suggestion",
        "建議",
        "Javaslat",
    ),
    "表扬": (
        "Praise",
        "表揚",
        "Dicséret",
    ),
    "个人信息权利请求": (
        "Personal information request",
        "個人資訊權利請求",
        "Személyes adatokkal kapcsolatos kérelem",
    ),
    "个人信息权利请求（GDPR）": (
        "Personal data request (GDPR)",
        "個人資訊權利請求（GDPR）",
        "Személyes adatokkal kapcsolatos kérelem (GDPR)",
    ),
    "燃气表、管道、灶具接口等一般故障，24小时内修复。": (
        "General faults of gas meters, pipes and cooker connections, repaired within 24 hours.",
        "燃氣表、管道、灶具介面等一般故障，24小時內修復。",
        "A gázmérő, a csővezeték és a tűzhelycsatlakozás általános hibái; javítás 24 órán belül.",
    ),
    "水压低、水质异常、表前管道漏水等一般故障。": (
        "General faults: low water pressure, unusual water quality, a leak in the pipe before the meter.",
        "水壓低、水質異常、表前管道漏水等一般故障。",
        "Általános hibák: alacsony víznyomás, szokatlan vízminőség, szivárgás a mérő előtti csőszakaszon.",
    ),
    "宽带无法上网、网速慢、频繁掉线。": (
        "No internet access, slow speed or frequent disconnections.",
        "寬頻無法上網、網速慢、頻繁掉線。",
        "Nincs internet, lassú a kapcsolat vagy gyakran megszakad.",
    ),
    "到期或损坏的燃气表、水表更换；人为损坏收取材料费。": (
        "Replacement of expired or damaged gas and water meters; material costs are charged for damage caused by the customer.",
        "到期或損壞的燃氣表、水錶更換；人為損壞收取材料費。",
        "Lejárt vagy sérült gáz- és vízmérők cseréje; a fogyasztó okozta sérülésnél az anyagköltséget felszámítjuk.",
    ),
    "每年供暖季前上门清洗保养，按年收费。": (
        "Cleaning and servicing at your home before each heating season, charged yearly.",
        "每年供暖季前上門清洗保養，按年收費。",
        "Tisztítás és karbantartás a helyszínen minden fűtési szezon előtt, évente fizetendő díjjal.",
    ),
    "燃气泄漏、管道破损等重大故障，接报后立即出发，72小时内处理完毕。": (
        "Gas leaks, damaged pipes and other major faults: we set off as soon as you call and finish within 72 hours.",
        "燃氣洩漏、管道破損等重大故障，接報後立即出發，72小時內處理完畢。",
        "Gázszivárgás, sérült vezeték és más súlyos hibák: a bejelentés után azonnal indulunk, és 72 órán belül elhárítjuk.",
    ),
    "供水主管爆裂、大面积停水。": (
        "Burst water mains and widespread water outages.",
        "供水主管爆裂、大面積停水。",
        "Vízfővezeték-törés és nagy területet érintő vízhiány.",
    ),
    "城区居民及商业用户新装燃气、供水、宽带，管网具备条件后5个工作日内开通。": (
        "New gas, water and broadband connections for urban households and businesses, connected within 5 working days once the network is ready.",
        "城區居民及商業使用者新裝燃氣、供水、寬頻，管網具備條件後5個工作日內開通。",
        "Új gáz-, víz- és internetbekötés városi háztartásoknak és vállalkozásoknak, 5 munkanapon belül, ha a hálózat készen áll.",
    ),
    "乡镇及农村用户新装（含煤改气），管网具备条件后10个工作日内开通。": (
        "New connections in towns and villages (including coal-to-gas conversion), connected within 10 working days once the network is ready.",
        "鄉鎮及農村使用者新裝（含煤改氣），管網具備條件後10個工作日內開通。",
        "Új bekötés kisvárosokban és falvakban (a szénről gázra átállással együtt), 10 munkanapon belül, ha a hálózat készen áll.",
    ),
    "欠费停气缴清后、安全隐患整改后恢复供气，5个工作日内办结。": (
        "Gas supply restored within 5 working days after arrears are paid or a safety hazard is fixed.",
        "欠費停氣繳清後、安全隱患整改後恢復供氣，5個工作日內辦結。",
        "A gázszolgáltatást 5 munkanapon belül visszaállítjuk a hátralék rendezése vagy a biztonsági hiba elhárítása után.",
    ),
    "对服务态度、收费、时限等的投诉，3个工作日内答复。": (
        "Complaints about staff conduct, charges, time limits and the like, answered within 3 working days.",
        "對服務態度、收費、時限等的投訴，3個工作日內答覆。",
        "Panasz a munkatársak hozzáállására, a díjakra, a határidőkre és hasonlókra; válasz 3 munkanapon belül.",
    ),
    "气价、缴费、业务办理流程等咨询。": (
        "Questions about gas prices, payments and how to apply for a service.",
        "氣價、繳費、業務辦理流程等諮詢。",
        "Kérdések a gázárról, a befizetésről és az ügyintézés menetéről.",
    ),
    "房屋买卖、继承、租赁变更的用户名称变更，需携带材料到营业厅办理。": (
        "Change of the account holder after a sale, an inheritance or a new tenancy; bring the documents to a service outlet.",
        "房屋買賣、繼承、租賃變更的使用者名稱稱變更，需攜帶材料到營業廳辦理。",
        "A fogyasztó nevének módosítása adásvétel, öröklés vagy bérlőváltás után; a dokumentumokkal ügyfélszolgálati irodánkban intézhető.",
    ),
    "客户对产品和服务的意见建议。": (
        "Customers' suggestions about our products and services.",
        "客戶對產品和服務的意見建議。",
        "Ügyfeleink javaslatai termékeinkről és szolgáltatásainkról.",
    ),
    "客户对员工和服务的表扬。": (
        "Customers' praise for our staff and services.",
        "客戶對員工和服務的表揚。",
        "Ügyfeleink dicsérete munkatársainkról és szolgáltatásainkról.",
    ),
    "身份证复印件": (
        "Copy of the identity card",
        "身份證影印件",
        "A személyi igazolvány másolata",
    ),
    "房产证或租赁合同": (
        "Property certificate or tenancy agreement",
        "房產證或租賃合同",
        "Tulajdoni lap vagy bérleti szerződés",
    ),
    "安装申请表": (
        "Installation application form",
        "安裝申請表",
        "Bekötési kérelem",
    ),
    "户型图": (
        "Floor plan",
        "戶型圖",
        "Alaprajz",
    ),
    "宅基地证明或村委会证明": (
        "Homestead certificate or village committee certificate",
        "宅基地證明或村委會證明",
        "Telekigazolás vagy a falu vezetőségének igazolása",
    ),
    "原户主身份证": (
        "Identity card of the previous account holder",
        "原戶主身份證",
        "A korábbi fogyasztó személyi igazolványa",
    ),
    "新户主身份证": (
        "Identity card of the new account holder",
        "新戶主身份證",
        "Az új fogyasztó személyi igazolványa",
    ),
    "房产证": (
        "Property certificate",
        "房產證",
        "Tulajdoni lap",
    ),
    "过户申请表": (
        "Change of holder application form",
        "過戶申請表",
        "Átírási kérelem",
    ),
    "结清费用凭证": (
        "Proof that all charges are paid",
        "結清費用憑證",
        "Igazolás a díjak rendezéséről",
    ),
    "身份证": (
        "Identity card",
        "身份證",
        "Személyi igazolvány",
    ),
    "欠费缴清凭证": (
        "Proof that the arrears are paid",
        "欠費繳清憑證",
        "Igazolás a hátralék befizetéséről",
    ),
    "缴费卡/用户卡": (
        "Payment card / customer card",
        "繳費卡/使用者卡",
        "Fizetőkártya / ügyfélkártya",
    ),
    "相关票据或照片": (
        "Related receipts or photos",
        "相關票據或照片",
        "Kapcsolódó bizonylatok vagy fényképek",
    ),
    "受理": (
        "Registration",
        "受理",
        "Befogadás",
    ),
    "营业厅、热线或网上营业厅受理，确定首问责任人。": (
        "Registered at an outlet, by the hotline or on the web portal; the first-contact owner is named.",
        "營業廳、熱線或網上營業廳受理，確定首問責任人。",
        "Befogadás az ügyfélszolgálati irodában, telefonon vagy az online ügyfélkapun; kijelöljük az első kapcsolattartót, aki felel az ügyért.",
    ),
    "核对材料": (
        "Checking the documents",
        "核對材料",
        "A dokumentumok ellenőrzése",
    ),
    "一次性告知所缺全部材料；材料齐全后开始计算办理时限。": (
        "Everything missing is listed in one notice; the time limit starts when the documents are complete.",
        "一次性告知所缺全部材料；材料齊全後開始計算辦理時限。",
        "Egyetlen értesítésben felsoroljuk, ami hiányzik; a határidő akkor indul, amikor a dokumentáció teljes.",
    ),
    "派单": (
        "Dispatch",
        "派單",
        "Kiosztás",
    ),
    "派给片区责任人或维修班。": (
        "Assigned to the staff responsible for the area or to a repair team.",
        "派給片區責任人或維修班。",
        "A körzet felelős munkatársa vagy egy szerelőcsapat kapja meg.",
    ),
    "上门办理": (
        "Visit",
        "上門辦理",
        "Helyszíni kiszállás",
    ),
    "按约定时间上门；客户不在家时当场留书面说明。": (
        "We come at the agreed time; if nobody is at home we leave a written note.",
        "按約定時間上門；客戶不在家時當場留書面說明。",
        "Az egyeztetett időpontban érkezünk; ha senki sincs otthon, írásos értesítést hagyunk.",
    ),
    "回访": (
        "Follow-up call",
        "回訪",
        "Utólagos megkeresés",
    ),
    "办结后72小时内回访，确认问题解决、客户满意。": (
        "Within 72 hours of completion we call back to confirm the problem is solved and you are satisfied.",
        "辦結後72小時內回訪，確認問題解決、客戶滿意。",
        "A lezárás után 72 órán belül felhívjuk, hogy megbizonyosodjunk: a probléma megoldódott, és Ön elégedett.",
    ),
    "燃气表更换材料费（人为损坏）": (
        "Gas meter replacement material (damage caused by the customer)",
        "燃氣表更換材料費（人為損壞）",
        "Gázmérőcsere anyagköltsége (a fogyasztó okozta sérülésnél)",
    ),
    "壁挂炉年度保养费": (
        "Annual boiler maintenance fee",
        "壁掛爐年度保養費",
        "A fali kazán éves karbantartási díja",
    ),
    "开户安装费": (
        "Connection and installation fee",
        "開戶安裝費",
        "Bekötési és szerelési díj",
    ),
    "超出3米的管道": (
        "Pipe beyond 3 metres",
        "超出3米的管道",
        "A 3 méter feletti csőszakasz",
    ),
    "每块": (
        "per meter unit",
        "每塊",
        "mérőnként",
    ),
    "每次": (
        "per visit",
        "每次",
        "alkalmanként",
    ),
    "每户": (
        "per household",
        "每戶",
        "háztartásonként",
    ),
    "每米": (
        "per metre",
        "每米",
        "méterenként",
    ),
}


def translations_for(**fields: str) -> dict[str, Any]:
    """``translations`` for the given source texts (``name="身份证"``): every language a text is known in."""
    result: dict[str, dict[str, str]] = {}
    for field, source in fields.items():
        known = TEXTS.get(source or "")
        if known is None:
            continue
        for language, text in zip(("en", "zh-hant", "hu"), known, strict=True):
            result.setdefault(language, {})[field] = text
    return result
