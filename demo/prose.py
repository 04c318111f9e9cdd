"""Seeded prose in English and Chinese for the demo corpus, written from the project's
own lexicons and sentence patterns. Clean documents read as plain news or feature
prose: complete sentences, terminal punctuation, paragraphs of several sentences.
"""

from __future__ import annotations

import random


class Deck:
    """Draws from a list without replacement, reshuffling when it runs out, so a document
    repeats a phrase only after using every other one (as real prose rarely repeats)."""

    def __init__(self, rng: random.Random, items: list[str]):
        self.rng, self.items, self.left = rng, items, []

    def draw(self) -> str:
        if not self.left:
            self.left = self.items[:]
            self.rng.shuffle(self.left)
        return self.left.pop()


class _Decks:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self._decks: dict[int, Deck] = {}
        self.used: set[str] = set()

    def once(self, name: str) -> bool:
        """True the first time only: a sentence frame a document uses at most once."""
        first = name not in self.used
        self.used.add(name)
        return first

    def __call__(self, items: list[str]) -> str:
        deck = self._decks.get(id(items))
        if deck is None:
            deck = self._decks[id(items)] = Deck(self.rng, items)
        return deck.draw()


# ---------------------------------------------------------------- English

EN_TOPICS = {
    "city": {
        "subjects": [
            "the city council",
            "local residents",
            "the transport department",
            "a group of shop owners",
            "the mayor's office",
            "neighbourhood volunteers",
            "the housing authority",
            "commuters",
            "the planning committee",
            "small business owners",
            "the regional government",
            "tenants",
        ],
        "objects": [
            "a plan to widen the bridge",
            "the new bus routes",
            "the budget for public parks",
            "a proposal for cheaper housing",
            "the closure of the old market",
            "longer library hours",
            "the cycling lanes along the river",
            "a ban on heavy lorries in the centre",
            "the rebuilding of the train station",
            "new rules for street parking",
        ],
        "places": [
            "in the northern districts",
            "near the harbour",
            "along the main avenue",
            "in the old town",
            "around the central station",
            "on the east side of the river",
            "in the suburbs",
        ],
    },
    "science": {
        "subjects": [
            "a team of researchers",
            "the laboratory",
            "astronomers",
            "a young biologist",
            "the university's physics group",
            "field ecologists",
            "the research institute",
            "climate scientists",
            "a chemist at the institute",
            "the survey team",
        ],
        "objects": [
            "a new method for measuring soil carbon",
            "the results of a ten-year study",
            "an unusual signal from a distant galaxy",
            "a cheaper way to store solar energy",
            "the migration routes of seabirds",
            "a protein that helps plants resist drought",
            "the first detailed map of the sea floor",
            "a vaccine trial for a common virus",
            "data from the weather satellites",
            "samples taken from the glacier",
        ],
        "places": [
            "in the mountains",
            "at a coastal station",
            "in the desert",
            "on a remote island",
            "in a laboratory outside the capital",
            "across three continents",
            "under the ice",
        ],
    },
    "food": {
        "subjects": [
            "the chef",
            "a family bakery",
            "home cooks",
            "the restaurant owner",
            "local farmers",
            "the market traders",
            "a food writer",
            "the cooking school",
            "young bakers",
        ],
        "objects": [
            "a simple recipe for bread",
            "the taste of fresh tomatoes",
            "a menu built around the seasons",
            "the old method of pickling vegetables",
            "a soup made from roasted squash",
            "the price of olive oil",
            "a festival of street food",
            "a cheaper way to cook beans",
            "the rules for labelling cheese",
        ],
        "places": [
            "in a small kitchen",
            "at the Saturday market",
            "in the countryside",
            "by the harbour",
            "in a crowded dining room",
            "on the village square",
        ],
    },
    "sport": {
        "subjects": [
            "the home team",
            "the coach",
            "the young striker",
            "the national federation",
            "the marathon organisers",
            "the club's supporters",
            "the veteran goalkeeper",
            "the cycling squad",
            "the tennis champion",
            "the league",
        ],
        "objects": [
            "a narrow victory in the final minutes",
            "the new training schedule",
            "a record time",
            "the plans for a larger stadium",
            "the rules on video replays",
            "a difficult season",
            "the decision to rest senior players",
            "a contract for three more years",
        ],
        "places": [
            "at the national stadium",
            "in front of a full crowd",
            "on a wet evening",
            "away from home",
            "in the semi-final",
            "on the mountain stage",
        ],
    },
    "economy": {
        "subjects": [
            "the central bank",
            "exporters",
            "the finance ministry",
            "economists",
            "retailers",
            "the trade union",
            "factory managers",
            "investors",
            "the statistics office",
            "farmers",
        ],
        "objects": [
            "the rise in interest rates",
            "a slowdown in consumer spending",
            "the price of energy",
            "new figures on employment",
            "the cost of shipping goods",
            "a plan to cut taxes",
            "wage growth in the service sector",
            "the value of the currency",
            "the latest trade figures",
        ],
        "places": [
            "in the first quarter",
            "across the region",
            "in the manufacturing sector",
            "in rural areas",
            "on world markets",
            "over the past year",
        ],
    },
    "health": {
        "subjects": [
            "doctors",
            "the hospital",
            "nurses",
            "public health officials",
            "the clinic",
            "a team of surgeons",
            "health workers",
            "the ministry of health",
            "patients",
        ],
        "objects": [
            "a campaign to reduce salt in food",
            "longer waiting times",
            "a new screening programme",
            "the benefits of regular walking",
            "the supply of medicines",
            "a study of sleep and memory",
            "the number of hospital beds",
            "advice on protecting children from the heat",
        ],
        "places": [
            "in the capital",
            "in rural clinics",
            "across the country",
            "in the winter months",
            "in the emergency department",
            "at community centres",
        ],
    },
}
EN_VERBS = [
    "announced",
    "discussed",
    "welcomed",
    "questioned",
    "examined",
    "presented",
    "described",
    "supported",
    "criticised",
    "reviewed",
    "described in detail",
    "explained",
    "defended",
    "published",
    "tested",
    "recorded",
    "compared",
    "proposed",
]
EN_OPENERS = [
    "On Monday,",
    "Last week,",
    "Earlier this year,",
    "In a statement,",
    "After months of debate,",
    "According to the report,",
    "For the first time,",
    "In recent years,",
    "This morning,",
    "At a meeting on Thursday,",
    "By the end of the month,",
    "Despite the rain,",
]
EN_FOLLOWUPS = [
    "Many people said they had waited a long time for this change.",
    "Critics argued that the decision came too late.",
    "The details will be published in the coming weeks.",
    "Officials expect the work to take at least two years.",
    "Not everyone agreed with the conclusions.",
    "Similar ideas have been tried elsewhere with mixed results.",
    "The next step is a public consultation.",
    "Supporters say the benefits will be felt for decades.",
    "The figures surprised even those who had followed the issue closely.",
    "Further meetings are planned for the autumn.",
]
EN_REASONS = [
    "because the costs had risen sharply",
    "after a long period of uncertainty",
    "in response to growing public pressure",
    "to make better use of limited funds",
    "so that more people could take part",
    "while warning that the situation remained fragile",
    "and promised to report again next year",
    "although several questions remained open",
]
EN_QUOTES = [
    '"We have listened carefully, and we think this is the right way forward," said one spokesperson.',
    '"It is a small step, but it matters to the people who live here," a resident said.',
    '"The evidence is clearer than it was five years ago," one expert explained.',
    '"Nobody expected the results to be this strong," said a member of the team.',
]


def en_sentence(rng: random.Random, topic: str, pick=None) -> str:
    pick = pick or (lambda items: rng.choice(items))
    t = EN_TOPICS[topic]
    kind = rng.random()
    subj = pick(t["subjects"])
    if kind < 0.45:
        s = f"{pick(EN_OPENERS)} {subj} {pick(EN_VERBS)} {pick(t['objects'])} {pick(t['places'])}."
    elif kind < 0.7:
        s = f"{subj[0].upper() + subj[1:]} {pick(EN_VERBS)} {pick(t['objects'])} {pick(EN_REASONS)}."
    elif kind < 0.85:
        s = pick(EN_FOLLOWUPS)
    elif kind < 0.93:
        s = pick(EN_QUOTES)
    elif not hasattr(pick, "once") or pick.once("survey"):
        n = rng.randint(2, 95)
        stance = rng.choice(["supported", "opposed", "had not heard of"])
        s = f"About {n} percent of those asked {pick(t['places'])} said they {stance} {pick(t['objects'])}."
    else:
        s = f"{subj[0].upper() + subj[1:]} {pick(EN_VERBS)} {pick(t['objects'])}."
    return s[0].upper() + s[1:]


def _topics(rng: random.Random, names, first: str | None) -> list[str]:
    """Four distinct topics, cycled over paragraphs, so a document's phrases rarely repeat."""
    first = first or rng.choice(sorted(names))
    return [first, *rng.sample(sorted(set(names) - {first}), 3)]


def en_document(rng: random.Random, topic: str | None = None) -> str:
    """3-7 paragraphs of 3-6 sentences (about 3 KB, like a web page's main text)."""
    topics = _topics(rng, EN_TOPICS, topic)
    pick = _Decks(rng)
    paragraphs = []
    for i in range(rng.randint(3, 7)):
        sentences = [en_sentence(rng, topics[i % 4], pick) for _ in range(rng.randint(3, 6))]
        paragraphs.append(" ".join(dict.fromkeys(sentences)))
    return "\n\n".join(paragraphs)


# ---------------------------------------------------------------- Chinese

ZH_TOPICS = {
    "城市": {
        "subjects": [
            "市政府",
            "当地居民",
            "交通部门",
            "社区志愿者",
            "规划委员会",
            "住房管理部门",
            "不少商户",
            "市民代表",
            "区政府",
            "物业公司",
        ],
        "objects": [
            "新的公交线路",
            "老旧小区改造方案",
            "公园建设预算",
            "停车管理新规",
            "地铁站周边的交通组织",
            "河道沿线的自行车道",
            "菜市场搬迁计划",
            "图书馆延长开放时间的安排",
            "垃圾分类的实施细则",
        ],
        "places": [
            "在城北地区",
            "在老城区",
            "在火车站附近",
            "在新开发区",
            "在河东片区",
            "在各个街道",
        ],
    },
    "科技": {
        "subjects": [
            "研究团队",
            "该实验室",
            "天文学家",
            "一位青年学者",
            "研究所的科研人员",
            "工程师们",
            "高校课题组",
            "气象专家",
            "生物学家",
        ],
        "objects": [
            "一种测量土壤碳含量的新方法",
            "一项持续十年的研究结果",
            "新型储能电池",
            "候鸟的迁徙路线",
            "一种帮助作物抗旱的蛋白质",
            "海底地形图",
            "卫星观测数据",
            "冰川样本的分析结果",
        ],
        "places": [
            "在高原地区",
            "在沿海观测站",
            "在实验室中",
            "在偏远海岛上",
            "在多个省份",
            "在野外考察中",
        ],
    },
    "美食": {
        "subjects": [
            "这位厨师",
            "一家老字号面馆",
            "不少家庭",
            "餐厅老板",
            "当地农户",
            "美食作家",
            "烹饪学校",
            "年轻的面点师",
        ],
        "objects": [
            "传统的腌菜工艺",
            "一道家常红烧肉的做法",
            "时令蔬菜的价格",
            "新推出的季节菜单",
            "手工面条的制作过程",
            "街头小吃节的安排",
            "食品标签的新规定",
        ],
        "places": [
            "在小巷深处",
            "在周末集市上",
            "在乡村",
            "在古镇",
            "在热闹的夜市里",
            "在家中厨房",
        ],
    },
    "体育": {
        "subjects": [
            "主队",
            "主教练",
            "年轻前锋",
            "国家队",
            "马拉松组委会",
            "球迷们",
            "老将",
            "自行车队",
            "网球冠军",
            "联赛组委会",
        ],
        "objects": [
            "一场来之不易的胜利",
            "新的训练计划",
            "个人最好成绩",
            "新球场的建设方案",
            "视频裁判规则",
            "艰难的赛季",
            "轮换主力的决定",
            "续约三年的合同",
        ],
        "places": ["在国家体育场", "在主场", "在雨夜", "在客场", "在半决赛中", "在山地赛段"],
    },
    "经济": {
        "subjects": [
            "中央银行",
            "出口企业",
            "财政部门",
            "经济学家",
            "零售商",
            "工厂负责人",
            "投资者",
            "统计部门",
            "农民",
        ],
        "objects": [
            "利率上调的影响",
            "消费支出放缓的迹象",
            "能源价格",
            "最新就业数据",
            "航运成本",
            "减税计划",
            "服务业工资增长",
            "汇率变化",
            "最新的贸易数据",
        ],
        "places": [
            "在第一季度",
            "在全国范围内",
            "在制造业领域",
            "在农村地区",
            "在国际市场上",
            "在过去一年里",
        ],
    },
    "健康": {
        "subjects": [
            "医生",
            "这家医院",
            "护士们",
            "公共卫生部门",
            "社区诊所",
            "外科团队",
            "卫生工作者",
            "卫生健康委员会",
            "患者",
        ],
        "objects": [
            "减盐行动",
            "候诊时间过长的问题",
            "新的筛查项目",
            "规律步行的好处",
            "药品供应情况",
            "一项关于睡眠与记忆的研究",
            "病床数量",
            "儿童防暑的建议",
        ],
        "places": [
            "在省会城市",
            "在乡镇卫生院",
            "在全国各地",
            "在冬季",
            "在急诊科",
            "在社区服务中心",
        ],
    },
}
ZH_VERBS = [
    "宣布了",
    "讨论了",
    "介绍了",
    "研究了",
    "公布了",
    "分析了",
    "回应了",
    "推进了",
    "评估了",
    "展示了",
    "说明了",
    "总结了",
]
ZH_OPENERS = [
    "本周一，",
    "上周，",
    "今年早些时候，",
    "据报道，",
    "经过数月讨论，",
    "据统计，",
    "近年来，",
    "今天上午，",
    "在周四的会议上，",
    "月底前，",
    "尽管下着雨，",
]
ZH_FOLLOWUPS = [
    "许多人表示，他们等待这一变化已经很久了。",
    "也有人认为，这一决定来得有些晚。",
    "具体细节将在未来几周内公布。",
    "有关部门预计，这项工作至少需要两年时间。",
    "并非所有人都同意这一结论。",
    "类似的做法在其他地方也曾尝试过，效果不一。",
    "下一步将公开征求意见。",
    "支持者认为，这将在今后很多年里带来好处。",
    "这些数字让长期关注此事的人也感到意外。",
    "相关会议计划在秋季继续举行。",
]
ZH_REASONS = [
    "，原因是成本大幅上涨",
    "，此前经历了较长时间的不确定",
    "，以回应社会各界的关切",
    "，以便更好地使用有限的资金",
    "，让更多人能够参与其中",
    "，同时提醒形势仍不稳定",
    "，并承诺明年再作报告",
    "，不过仍有几个问题有待解决",
]
ZH_QUOTES = [
    "“我们认真听取了各方意见，认为这是正确的方向。”一位负责人说。",
    "“这一步虽然不大，但对住在这里的人很重要。”一位居民说。",
    "“现在的证据比五年前清楚得多。”一位专家解释道。",
    "“没有人想到结果会这么好。”团队成员说。",
]


def zh_sentence(rng: random.Random, topic: str, pick=None) -> str:
    pick = pick or (lambda items: rng.choice(items))
    t = ZH_TOPICS[topic]
    kind = rng.random()
    subj = pick(t["subjects"])
    if kind < 0.45:
        return f"{pick(ZH_OPENERS)}{subj}{pick(t['places'])}{pick(ZH_VERBS)}{pick(t['objects'])}。"
    if kind < 0.7:
        return f"{subj}{pick(ZH_VERBS)}{pick(t['objects'])}{pick(ZH_REASONS)}。"
    if kind < 0.85:
        return pick(ZH_FOLLOWUPS)
    if kind < 0.93:
        return pick(ZH_QUOTES)
    if hasattr(pick, "once") and not pick.once("survey"):
        return f"{subj}{pick(ZH_VERBS)}{pick(t['objects'])}。"
    n = rng.randint(2, 95)
    stance = rng.choice(["支持", "反对", "没有听说过"])
    return f"调查显示，{pick(t['places'])}约有百分之{n}的受访者表示{stance}{pick(t['objects'])}。"


def zh_document(rng: random.Random, topic: str | None = None) -> str:
    """3-7 paragraphs of 3-6 sentences."""
    topics = _topics(rng, ZH_TOPICS, topic)
    pick = _Decks(rng)
    paragraphs = []
    for i in range(rng.randint(3, 7)):
        sentences = [zh_sentence(rng, topics[i % 4], pick) for _ in range(rng.randint(3, 6))]
        paragraphs.append("".join(dict.fromkeys(sentences)))
    return "\n".join(paragraphs)


# ---------------------------------------------------------------- other languages

OTHER_LANGUAGES = {
    "fr": [
        "Le conseil municipal a présenté hier un nouveau plan pour les transports publics.",
        "Les habitants du quartier attendent depuis longtemps la rénovation de la bibliothèque.",
        "Selon les chercheurs, la température moyenne de la mer a augmenté cette année.",
        "Le marché du samedi attire toujours beaucoup de visiteurs venus des villages voisins.",
        "Les enseignants demandent des classes moins chargées et davantage de moyens.",
        "La saison de football s'est terminée par une victoire inattendue de l'équipe locale.",
    ],
    "de": [
        "Der Stadtrat hat gestern einen neuen Plan für den öffentlichen Verkehr vorgestellt.",
        "Die Bewohner des Viertels warten seit Jahren auf die Sanierung der Bibliothek.",
        "Nach Angaben der Forscher ist die Wassertemperatur in diesem Jahr deutlich gestiegen.",
        "Der Wochenmarkt zieht jeden Samstag viele Besucher aus den umliegenden Dörfern an.",
        "Die Lehrerinnen und Lehrer fordern kleinere Klassen und mehr Unterstützung.",
        "Die Fußballsaison endete mit einem überraschenden Sieg der heimischen Mannschaft.",
    ],
    "es": [
        "El ayuntamiento presentó ayer un nuevo plan para el transporte público de la ciudad.",
        "Los vecinos del barrio esperan desde hace años la reforma de la biblioteca municipal.",
        "Según los investigadores, la temperatura del mar ha subido de forma notable este año.",
        "El mercado de los sábados sigue atrayendo a muchos visitantes de los pueblos cercanos.",
        "Los profesores piden clases más pequeñas y más recursos para las escuelas.",
        "La temporada de fútbol terminó con una victoria inesperada del equipo local.",
    ],
    "ru": [
        "Городской совет вчера представил новый план развития общественного транспорта.",
        "Жители района уже много лет ждут ремонта библиотеки.",
        "По словам исследователей, температура воды в этом году заметно выросла.",
        "Субботний рынок по-прежнему привлекает много гостей из соседних деревень.",
        "Учителя просят уменьшить размер классов и выделить больше средств школам.",
        "Футбольный сезон завершился неожиданной победой местной команды.",
    ],
    "ja": [
        "市議会は昨日、公共交通の新しい計画を発表しました。",
        "地域の住民は、図書館の改修を何年も待っています。",
        "研究者によると、今年は海水の温度が大きく上昇しました。",
        "土曜日の市場には、近くの村から多くの人が訪れます。",
        "先生たちは、クラスの人数を減らしてほしいと求めています。",
        "サッカーのシーズンは、地元チームの思いがけない勝利で終わりました。",
    ],
    "ko": [
        "시의회는 어제 대중교통에 관한 새로운 계획을 발표했습니다.",
        "동네 주민들은 도서관 보수 공사를 몇 년째 기다리고 있습니다.",
        "연구진에 따르면 올해 바닷물 온도가 크게 올랐습니다.",
        "토요일 시장에는 여전히 이웃 마을에서 많은 사람들이 찾아옵니다.",
        "교사들은 학급 인원을 줄이고 지원을 늘려 달라고 요구하고 있습니다.",
        "축구 시즌은 지역 팀의 뜻밖의 승리로 막을 내렸습니다.",
    ],
}


def other_document(rng: random.Random, lang: str) -> str:
    sentences = OTHER_LANGUAGES[lang][:]
    rng.shuffle(sentences)
    return " ".join(sentences[: rng.randint(4, 6)])
