"""FAKE but realistic customer contact data for the sample merchant.

Every name, phone number, address and account id here is made up from small lists and random
digits; any resemblance to a real person is chance. They exist so the privacy step
(pseudonymisation at load time) has real-looking work to do. All characters are GBK-encodable
because ``customers.csv`` is written in GBK, as many Chinese back-office exports are.
"""
from __future__ import annotations

import numpy as np

_SURNAMES = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
    ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("高", "gao"),
    ("林", "lin"), ("罗", "luo"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"),
    ("唐", "tang"), ("许", "xu"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"),
    ("彭", "peng"), ("曾", "zeng"), ("肖", "xiao"), ("田", "tian"), ("董", "dong"), ("袁", "yuan"),
    ("潘", "pan"), ("蒋", "jiang"), ("蔡", "cai"), ("余", "yu"), ("杜", "du"), ("叶", "ye"),
    ("程", "cheng"), ("苏", "su"), ("魏", "wei"), ("吕", "lv"), ("丁", "ding"), ("沈", "shen"),
)
_SURNAME_W = np.array([7.1, 7.0, 6.7, 5.4, 4.5, 3.1, 2.2, 2.1, 2.0, 1.9, 1.7, 1.5, 1.4, 1.3, 1.3, 1.2,
                       1.2, 1.1, 1.1, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.7, 0.7, 0.7, 0.7, 0.6, 0.6, 0.6,
                       0.6, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.4, 0.4, 0.4])
_GIVEN_F = "芳娜敏静丽艳娟秀霞玲燕婷悦晨思雪梦瑶璐嘉颖倩楠蕾媛琳菲晶欣怡佳琪雨萱涵诗梓婉然可馨月莉"
_GIVEN_M = "伟强磊军洋勇杰涛明超刚平辉鹏宇浩凯健俊帆旭宁龙林斌峰博文"

#: Province -> (weight, {city: [districts]}); weights roughly follow online cosmetics sales.
REGIONS = {
    "广东省": (14, {"广州市": ["天河区", "越秀区", "海珠区", "番禺区"], "深圳市": ["南山区", "福田区", "宝安区", "龙岗区"],
                   "东莞市": ["南城街道", "东城街道"], "佛山市": ["禅城区", "南海区", "顺德区"]}),
    "浙江省": (10, {"杭州市": ["西湖区", "上城区", "滨江区", "余杭区"], "宁波市": ["海曙区", "鄞州区"], "温州市": ["鹿城区", "瓯海区"]}),
    "江苏省": (10, {"南京市": ["鼓楼区", "玄武区", "江宁区"], "苏州市": ["姑苏区", "工业园区", "吴中区"], "无锡市": ["梁溪区", "滨湖区"]}),
    "上海市": (8, {"上海市": ["浦东新区", "徐汇区", "静安区", "闵行区", "杨浦区"]}),
    "北京市": (7, {"北京市": ["朝阳区", "海淀区", "东城区", "西城区", "丰台区"]}),
    "山东省": (6, {"济南市": ["历下区", "市中区"], "青岛市": ["市南区", "崂山区", "黄岛区"]}),
    "四川省": (6, {"成都市": ["锦江区", "武侯区", "高新区", "青羊区"]}),
    "福建省": (5, {"福州市": ["鼓楼区", "仓山区"], "厦门市": ["思明区", "湖里区"]}),
    "河南省": (5, {"郑州市": ["金水区", "二七区", "中原区"]}),
    "湖北省": (5, {"武汉市": ["江汉区", "武昌区", "洪山区"]}),
    "湖南省": (4, {"长沙市": ["岳麓区", "芙蓉区", "天心区"]}),
    "重庆市": (4, {"重庆市": ["渝中区", "江北区", "南岸区"]}),
    "陕西省": (3, {"西安市": ["雁塔区", "碑林区", "未央区"]}),
    "安徽省": (3, {"合肥市": ["蜀山区", "包河区"]}),
    "天津市": (3, {"天津市": ["和平区", "南开区", "河西区"]}),
    "辽宁省": (2, {"沈阳市": ["和平区", "沈河区"], "大连市": ["中山区", "沙河口区"]}),
    "云南省": (2, {"昆明市": ["五华区", "盘龙区"]}),
    "广西壮族自治区": (2, {"南宁市": ["青秀区", "兴宁区"]}),
    "黑龙江省": (1, {"哈尔滨市": ["南岗区", "道里区"]}),
    "江西省": (2, {"南昌市": ["东湖区", "红谷滩区"]}),
}
_STREETS = ("人民路", "解放路", "中山路", "建设路", "和平路", "新华路", "文化路", "长江路", "黄河路", "花园路",
            "学府路", "科技路", "滨江大道", "世纪大道", "金桥路", "青年路", "东风路", "幸福路", "光明街", "朝阳路")
_COMPOUNDS = ("花园", "小区", "公寓", "家园", "苑", "城", "广场", "大厦")
_COMPOUND_HEAD = ("阳光", "锦绣", "翠湖", "金色", "碧水", "万科", "绿城", "华府", "御景", "香榭", "东方", "世纪")
_PHONE_PREFIX = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                 "157", "158", "159", "166", "175", "176", "177", "180", "181", "182", "186", "187", "188", "189",
                 "191", "198", "199")
_MAIL = (("qq.com", 0.55), ("163.com", 0.25), ("126.com", 0.08), ("sina.com", 0.04), ("gmail.com", 0.04),
         ("outlook.com", 0.04))
_ALNUM = np.array(list("abcdefghijklmnopqrstuvwxyz0123456789"))


def _pick(rng: np.random.Generator, items, n: int, p=None) -> np.ndarray:
    idx = rng.choice(len(items), size=n, p=None if p is None else np.asarray(p) / np.sum(p))
    return np.asarray(items, dtype=object)[idx]


def _rand_str(rng: np.random.Generator, n: int, length: int) -> list[str]:
    m = rng.integers(0, len(_ALNUM), size=(n, length))
    return ["".join(row) for row in _ALNUM[m]]


def fake_contacts(rng: np.random.Generator, n: int) -> dict[str, list]:
    """``n`` fake customers: region, name, phone, address, wechat_id, douyin_id, email.

    About 85% of buyers are women (a cosmetics brand). Phones are 11 digits starting with a real
    mobile prefix; 20% are written ``138-1234-5678`` and 5% ``+86 13812345678`` (exports mix
    formats). WeChat ids are missing for 35%, Douyin ids for 45%, e-mails for 60%.
    Missing values are ``None``.
    """
    s_idx = rng.choice(len(_SURNAMES), size=n, p=_SURNAME_W / _SURNAME_W.sum())
    female = rng.random(n) < 0.85
    two_char = rng.random(n) < 0.7
    g1 = rng.integers(0, 10**6, size=n)
    g2 = rng.integers(0, 10**6, size=n)
    names = []
    for i in range(n):
        pool = _GIVEN_F if female[i] else _GIVEN_M
        given = pool[g1[i] % len(pool)] + (pool[g2[i] % len(pool)] if two_char[i] else "")
        names.append(_SURNAMES[s_idx[i]][0] + given)

    prov_names = list(REGIONS)
    prov = _pick(rng, prov_names, n, [REGIONS[p][0] for p in prov_names])
    u = rng.random((n, 6))
    streets = _pick(rng, _STREETS, n)
    heads = _pick(rng, _COMPOUND_HEAD, n)
    comps = _pick(rng, _COMPOUNDS, n)
    no = rng.integers(1, 400, size=n)
    bld = rng.integers(1, 30, size=n)
    room = rng.integers(1, 33, size=n) * 100 + rng.integers(1, 9, size=n)
    addresses, regions = [], []
    for i in range(n):
        cities = REGIONS[prov[i]][1]
        city = list(cities)[int(u[i, 0] * len(cities))]
        dists = cities[city]
        dist = dists[int(u[i, 1] * len(dists))]
        head = "" if prov[i] == city else prov[i]
        addresses.append(f"{head}{city}{dist}{streets[i]}{no[i]}号{heads[i]}{comps[i]}{bld[i]}栋{room[i]}室")
        regions.append(prov[i])

    pre = _pick(rng, _PHONE_PREFIX, n)
    body = rng.integers(0, 10**8, size=n)
    fmt = rng.random(n)
    phones = []
    for i in range(n):
        d = f"{pre[i]}{body[i]:08d}"
        phones.append(f"{d[:3]}-{d[3:7]}-{d[7:]}" if fmt[i] < 0.20 else (f"+86 {d}" if fmt[i] < 0.25 else d))

    wx = _rand_str(rng, n, 10)
    wx_style = rng.random(n)
    wechat = [None if u[i, 2] < 0.35 else (f"wxid_{wx[i]}" if wx_style[i] < 0.6 else f"{_SURNAMES[s_idx[i]][1]}_{wx[i][:6]}")
              for i in range(n)]
    dy_num = rng.integers(10**8, 10**10, size=n)
    douyin = [None if u[i, 3] < 0.45 else (str(dy_num[i]) if wx_style[i] < 0.5 else f"dy{wx[i][:8]}") for i in range(n)]
    doms = _pick(rng, [d for d, _ in _MAIL], n, [w for _, w in _MAIL])
    qq = rng.integers(10**7, 10**10, size=n)
    emails = []
    for i in range(n):
        if u[i, 4] < 0.60:
            emails.append(None)
        elif doms[i] == "qq.com":
            emails.append(f"{qq[i]}@qq.com")
        else:
            emails.append(f"{_SURNAMES[s_idx[i]][1]}{wx[i][:4]}{qq[i] % 1000}@{doms[i]}")
    return {"region": regions, "name": names, "phone": phones, "address": addresses,
            "wechat_id": wechat, "douyin_id": douyin, "email": emails}
