"""Word lists the synthetic data is built from: countries with their phone plans, names, companies, tags.

Plain data only. Names are real-looking, in each country's own script (so CJK and right-to-left
names occur naturally), and phone plans give both the E.164 form and the national one.
"""

from __future__ import annotations

import msgspec


class Country(msgspec.Struct, frozen=True, kw_only=True):
    """A country as the generators need it.

    `mobile` is a national significant number template (X = random digit); `national` and
    `spaced` place its digits (#) the way people write them locally and internationally.
    """

    iso: str
    calling_code: str
    eu: bool
    culture: str
    mobile: str
    national: str
    spaced: str
    cities: tuple[str, ...]
    language: str
    timezone: str
    top_level_domain: str


COUNTRIES: dict[str, Country] = {
    country.iso: country
    for country in (
        Country(iso="TR", calling_code="90", eu=False, culture="tr", mobile="53XXXXXXXX",
                national="0### ### ## ##", spaced="+90 ### ### ## ##",
                cities=("İstanbul", "Ankara", "İzmir", "Bursa", "Antalya", "Eskişehir"),
                language="tr", timezone="Europe/Istanbul", top_level_domain="com.tr"),
        Country(iso="DK", calling_code="45", eu=True, culture="da", mobile="2XXXXXXX",
                national="## ## ## ##", spaced="+45 ## ## ## ##",
                cities=("København", "Aarhus", "Odense", "Aalborg", "Esbjerg", "Køge"),
                language="da", timezone="Europe/Copenhagen", top_level_domain="dk"),
        Country(iso="DE", calling_code="49", eu=True, culture="de", mobile="151XXXXXXXX",
                national="0#### #######", spaced="+49 #### #######",
                cities=("Berlin", "München", "Köln", "Hamburg", "Düsseldorf", "Leipzig"),
                language="de", timezone="Europe/Berlin", top_level_domain="de"),
        Country(iso="FR", calling_code="33", eu=True, culture="fr", mobile="6XXXXXXXX",
                national="0# ## ## ## ##", spaced="+33 # ## ## ## ##",
                cities=("Paris", "Lyon", "Marseille", "Nantes", "Besançon", "Orléans"),
                language="fr", timezone="Europe/Paris", top_level_domain="fr"),
        Country(iso="NL", calling_code="31", eu=True, culture="nl", mobile="61XXXXXXX",
                national="0#-########", spaced="+31 # ########",
                cities=("Amsterdam", "Rotterdam", "Utrecht", "Den Haag", "Eindhoven"),
                language="nl", timezone="Europe/Amsterdam", top_level_domain="nl"),
        Country(iso="ES", calling_code="34", eu=True, culture="es", mobile="6XXXXXXXX",
                national="### ### ###", spaced="+34 ### ### ###",
                cities=("Madrid", "Barcelona", "Sevilla", "Valencia", "A Coruña", "Málaga"),
                language="es", timezone="Europe/Madrid", top_level_domain="es"),
        Country(iso="IT", calling_code="39", eu=True, culture="it", mobile="33XXXXXXXX",
                national="### ### ####", spaced="+39 ### ### ####",
                cities=("Roma", "Milano", "Napoli", "Torino", "Forlì", "Bologna"),
                language="it", timezone="Europe/Rome", top_level_domain="it"),
        Country(iso="PL", calling_code="48", eu=True, culture="pl", mobile="51XXXXXXX",
                national="### ### ###", spaced="+48 ### ### ###",
                cities=("Warszawa", "Kraków", "Łódź", "Wrocław", "Gdańsk", "Poznań"),
                language="pl", timezone="Europe/Warsaw", top_level_domain="pl"),
        Country(iso="SE", calling_code="46", eu=True, culture="sv", mobile="70XXXXXXX",
                national="0##-### ## ##", spaced="+46 ## ### ## ##",
                cities=("Stockholm", "Göteborg", "Malmö", "Uppsala", "Västerås"),
                language="sv", timezone="Europe/Stockholm", top_level_domain="se"),
        Country(iso="IE", calling_code="353", eu=True, culture="en", mobile="87XXXXXXX",
                national="0## ### ####", spaced="+353 ## ### ####",
                cities=("Dublin", "Cork", "Galway", "Limerick"),
                language="en", timezone="Europe/Dublin", top_level_domain="ie"),
        Country(iso="GB", calling_code="44", eu=False, culture="en", mobile="77XXXXXXXX",
                national="0#### ######", spaced="+44 #### ######",
                cities=("London", "Manchester", "Bristol", "Leeds", "Edinburgh", "Cardiff"),
                language="en", timezone="Europe/London", top_level_domain="co.uk"),
        Country(iso="US", calling_code="1", eu=False, culture="en", mobile="4155XXXXXX",
                national="(###) ###-####", spaced="+1 ### ### ####",
                cities=("San Francisco", "New York", "Austin", "Chicago", "Seattle", "Boston"),
                language="en", timezone="America/New_York", top_level_domain="com"),
        Country(iso="AE", calling_code="971", eu=False, culture="ar", mobile="50XXXXXXX",
                national="0## ### ####", spaced="+971 ## ### ####",
                cities=("دبي", "أبو ظبي", "Dubai", "Sharjah"),
                language="ar", timezone="Asia/Dubai", top_level_domain="ae"),
        Country(iso="SA", calling_code="966", eu=False, culture="ar", mobile="50XXXXXXX",
                national="0## ### ####", spaced="+966 ## ### ####",
                cities=("الرياض", "جدة", "Riyadh", "Jeddah"),
                language="ar", timezone="Asia/Riyadh", top_level_domain="sa"),
        Country(iso="IL", calling_code="972", eu=False, culture="he", mobile="50XXXXXXX",
                national="0##-###-####", spaced="+972 ##-###-####",
                cities=("תל אביב", "ירושלים", "Tel Aviv", "Haifa"),
                language="he", timezone="Asia/Jerusalem", top_level_domain="co.il"),
        Country(iso="JP", calling_code="81", eu=False, culture="ja", mobile="90XXXXXXXX",
                national="0##-####-####", spaced="+81 ##-####-####",
                cities=("東京", "大阪", "Tokyo", "Osaka", "京都"),
                language="ja", timezone="Asia/Tokyo", top_level_domain="jp"),
        Country(iso="CN", calling_code="86", eu=False, culture="zh", mobile="138XXXXXXXX",
                national="### #### ####", spaced="+86 ### #### ####",
                cities=("北京", "上海", "深圳", "Shanghai", "杭州"),
                language="zh", timezone="Asia/Shanghai", top_level_domain="cn"),
        Country(iso="IN", calling_code="91", eu=False, culture="hi", mobile="9XXXXXXXXX",
                national="0#####-#####", spaced="+91 ##### #####",
                cities=("Mumbai", "Bengaluru", "Delhi", "Pune", "Chennai"),
                language="en", timezone="Asia/Kolkata", top_level_domain="in"),
        Country(iso="BR", calling_code="55", eu=False, culture="pt", mobile="119XXXXXXXX",
                national="(##) #####-####", spaced="+55 ## #####-####",
                cities=("São Paulo", "Rio de Janeiro", "Belo Horizonte", "Curitiba"),
                language="pt", timezone="America/Sao_Paulo", top_level_domain="com.br"),
    )
}

# Where each platform's end users live (weights): Netmera is Istanbul-based, Actimo Copenhagen,
# Customer.io serves mostly North America and Europe.
COUNTRY_WEIGHTS: dict[str, tuple[tuple[str, float], ...]] = {
    "netmera": (("TR", 55), ("DE", 10), ("NL", 4), ("FR", 3), ("GB", 5), ("AE", 6), ("SA", 4),
                ("US", 4), ("IL", 2), ("JP", 1), ("CN", 1), ("ES", 2), ("IT", 2), ("PL", 1)),
    "actimo": (("DK", 55), ("SE", 10), ("DE", 8), ("PL", 6), ("GB", 6), ("NL", 4), ("IE", 2),
               ("US", 3), ("IN", 3), ("ES", 2), ("FR", 1)),
    "customerio": (("US", 40), ("GB", 10), ("DE", 8), ("FR", 6), ("NL", 4), ("IE", 3), ("ES", 3),
                   ("BR", 6), ("IN", 6), ("JP", 3), ("CN", 2), ("IL", 2), ("IT", 3), ("SE", 2),
                   ("AE", 2)),
}

FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "tr": ("Ahmet", "Mehmet", "Ayşe", "Fatma", "Emre", "Zeynep", "Elif", "Burak", "Can", "Deniz",
           "Gökhan", "Şule", "Özge", "İlker", "Çağla", "Ömer", "Irmak", "Barış"),
    "da": ("Mette", "Søren", "Jens", "Anne", "Lars", "Mikkel", "Freja", "Rasmus", "Ida", "Asger",
           "Sofie", "Magnus", "Åse", "Bjørn"),
    "de": ("Lukas", "Anna", "Jonas", "Lea", "Felix", "Marie", "Paul", "Sophie", "Jürgen", "Björn",
           "Lena", "Maximilian"),
    "fr": ("Camille", "Léa", "Hugo", "Chloé", "Théo", "Manon", "Louis", "Zoé", "Gaëlle",
           "Jérôme", "Anaïs", "François"),
    "nl": ("Daan", "Sanne", "Bram", "Fleur", "Jeroen", "Lotte", "Sem", "Anouk"),
    "es": ("Lucía", "Sofía", "Martín", "Hugo", "Mateo", "Valentina", "Álvaro", "Iñigo"),
    "it": ("Giulia", "Francesco", "Alessandro", "Chiara", "Matteo", "Sofia", "Lorenzo", "Niccolò"),
    "pl": ("Zofia", "Jakub", "Łukasz", "Małgorzata", "Wojciech", "Agnieszka", "Paweł"),
    "sv": ("Astrid", "Erik", "Linnea", "Oskar", "Elsa", "Nils", "Åsa"),
    "en": ("James", "Olivia", "Emma", "Liam", "Noah", "Ava", "Sophia", "Oliver", "Mia", "Lucas",
           "Amelia", "Ethan", "Harper", "Charlotte", "Siobhán", "Aoife"),
    "ar": ("محمد", "فاطمة", "أحمد", "نور", "عمر", "ليلى", "Mohammed", "Fatima", "Omar", "Layla"),
    "he": ("דוד", "נועה", "יוסף", "מיכל", "אורי", "תמר", "Noa", "Yosef"),
    "ja": ("翔太", "陽菜", "大翔", "結衣", "蓮", "美咲", "Haruto", "Yui"),
    "zh": ("伟", "芳", "娜", "敏", "静", "磊", "Wei", "Fang"),
    "hi": ("Aarav", "Priya", "Vivaan", "Ananya", "Rohan", "Diya", "Arjun"),
    "pt": ("João", "Maria", "Ana", "Pedro", "Luíza", "Gabriel", "Conceição"),
}

LAST_NAMES: dict[str, tuple[str, ...]] = {
    "tr": ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın", "Arslan",
           "Doğan", "Kılıç", "Aslan", "Güneş", "Koç"),
    "da": ("Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen",
           "Sørensen", "Rasmussen", "Jørgensen", "Møller", "Østergaard"),
    "de": ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
           "Schäfer", "Köhler"),
    "fr": ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
           "Lefèvre", "Mercier"),
    "nl": ("de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker"),
    "es": ("García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Núñez"),
    "it": ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo"),
    "pl": ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski", "Żak"),
    "sv": ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Öberg"),
    "en": ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
           "Wilson", "Taylor", "O'Brien", "Murphy", "Walsh", "Smith-Jones"),
    "ar": ("العتيبي", "الحربي", "القحطاني", "الشمري", "الزهراني", "Al-Harbi", "Al-Qahtani"),
    "he": ("כהן", "לוי", "מזרחי", "פרץ", "ביטון", "Cohen", "Levi"),
    "ja": ("佐藤", "鈴木", "高橋", "田中", "渡辺", "伊藤", "Sato", "Tanaka"),
    "zh": ("王", "李", "张", "刘", "陈", "杨", "Wang", "Li"),
    "hi": ("Sharma", "Patel", "Singh", "Kumar", "Gupta", "Reddy"),
    "pt": ("Silva", "Santos", "Oliveira", "Souza", "Lima", "Pereira", "Gonçalves"),
}

# Names that stress text handling beyond a country's own script (UNICODE_NAME).
# The escaped ones are decomposed (NFD: base letter + combining mark), as macOS and some
# keyboards produce them; they compare unequal to their precomposed twins unless normalised.
UNICODE_FIRST_NAMES: tuple[str, ...] = (
    "Zoë 🌸", "Max 🚀", "Ayşe ✨", "Jose\u0301", "Zoe\u0308", "A\u030angstro\u0308m", "美咲", "지민",
    "Олег", "Ελένη", "محمد", "דוד", "Nguyễn", "🦄",
)
UNICODE_LAST_NAMES: tuple[str, ...] = (
    "O\u0308zdemir", "Nun\u0303ez", "山田", "김", "Иванов", "Παπαδόπουλος", "العلي", "כהן", "Trần",
    "O'Connor-Ødegård", "🌍",
)

FREE_MAIL_DOMAINS: tuple[str, ...] = (
    "gmail.com", "hotmail.com", "outlook.com", "yahoo.com", "icloud.com", "yandex.com.tr",
    "mail.dk", "gmx.de", "proton.me", "example.org",
)

COMPANY_PREFIXES: tuple[str, ...] = (
    "Nordic", "Blue", "Atlas", "Vertex", "Anatolia", "Bosphorus", "Copenhagen", "Summit",
    "Pioneer", "Lumen", "Harbor", "Kite", "Quartz", "Maple", "Orion", "Helix", "Nimbus", "Zephyr",
    "Ege", "Fjord", "Aurora", "Cedar", "Delta", "Granite",
)
COMPANY_TRADES: tuple[str, ...] = (
    "Logistics", "Bank", "Retail", "Telecom", "Health", "Foods", "Energy", "Labs", "Media",
    "Motors", "Insurance", "Airlines", "Software", "Pharma", "Textiles", "Gıda", "Bygg",
)
COMPANY_SUFFIX_BY_COUNTRY: dict[str, str] = {
    "TR": "A.Ş.", "DK": "ApS", "DE": "GmbH", "GB": "Ltd", "US": "Inc.", "FR": "SAS", "NL": "B.V.",
    "IT": "S.p.A.", "SE": "AB", "ES": "S.L.", "PL": "sp. z o.o.", "IE": "Ltd", "BR": "Ltda.",
}
INDUSTRIES: tuple[str, ...] = (
    "Retail", "Banking", "Telecommunications", "Healthcare", "Food & Beverage", "Energy",
    "Media", "Automotive", "Insurance", "Travel", "Software", "Manufacturing",
)

TAG_WORDS: tuple[str, ...] = (
    "vip", "beta", "newsletter", "churn-risk", "high-value", "loyalty-gold", "loyalty-silver",
    "app-only", "web-only", "premium", "trial", "b2b", "istanbul", "winback", "referral",
    "early-adopter", "push-opt-in", "sms-opt-in", "student", "family",
)
LONG_TAG_NAMES: tuple[str, ...] = (
    "customers-who-abandoned-cart-twice-in-q3",
    "summer-campaign-2024-push-opt-in-android",
    "Ramazan kampanyası katılımcıları 2024",
    "high-lifetime-value-customers-eu-region",
    "imported from legacy CRM (do not delete)",
    "newsletter subscribers – double opt-in ✓",
)

LOREM: tuple[str, ...] = (
    "quarterly", "update", "team", "welcome", "onboarding", "safety", "reminder", "new",
    "policy", "shift", "schedule", "bonus", "training", "feedback", "launch", "store", "season",
    "offer", "discount", "weekend", "members", "exclusive", "today", "your", "order", "ready",
)
