"""Fixed vocabularies of the demo retailer: names, streets, cities, categories, texts."""

from __future__ import annotations

import unicodedata

RETAILER = "Larkspur & Co"
DOMAIN = "larkspur.co.uk"
CURRENCY = "GBP"

# (name, nicknames); a nickname is what a person may give instead of the formal name.
FEMALE_NAMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Elizabeth", ("Liz", "Beth", "Lizzie")),
    ("Katherine", ("Kate", "Katie")),
    ("Margaret", ("Maggie", "Meg")),
    ("Jennifer", ("Jen", "Jenny")),
    ("Rebecca", ("Becky", "Becca")),
    ("Victoria", ("Vicky", "Tori")),
    ("Alexandra", ("Alex", "Lexi")),
    ("Samantha", ("Sam",)),
    ("Charlotte", ("Charlie", "Lottie")),
    ("Olivia", ("Liv",)),
    ("Emily", ("Em",)),
    ("Jessica", ("Jess",)),
    ("Amelia", ("Millie",)),
    ("Isabella", ("Bella", "Izzy")),
    ("Eleanor", ("Ellie", "Nell")),
    ("Abigail", ("Abbie",)),
    ("Deborah", ("Debbie",)),
    ("Susan", ("Sue",)),
    ("Patricia", ("Trish", "Pat")),
    ("Christine", ("Chris",)),
    ("Joanne", ("Jo",)),
    ("Nicola", ("Nicky",)),
    ("Amanda", ("Mandy",)),
    ("Natalie", ("Nat",)),
    ("Sophie", ()),
    ("Hannah", ()),
    ("Lucy", ()),
    ("Sarah", ()),
    ("Laura", ()),
    ("Emma", ()),
    ("Chloe", ()),
    ("Grace", ()),
    ("Ruby", ()),
    ("Megan", ("Meg",)),
    ("Helen", ()),
    ("Rachel", ()),
    ("Claire", ()),
    ("Priya", ()),
    ("Aisha", ()),
    ("Fatima", ()),
    ("Zara", ()),
    ("Freya", ()),
    ("Isla", ()),
    ("Poppy", ()),
    ("Anna", ()),
    ("Niamh", ()),
    ("Siobhan", ()),
    ("Zoë", ()),
    ("Renée", ()),
    ("Siân", ()),
)
MALE_NAMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Robert", ("Bob", "Rob", "Bobby")),
    ("William", ("Bill", "Will", "Billy")),
    ("James", ("Jim", "Jamie")),
    ("Michael", ("Mike", "Mick")),
    ("Richard", ("Rich", "Rick")),
    ("Thomas", ("Tom", "Tommy")),
    ("Christopher", ("Chris",)),
    ("Daniel", ("Dan", "Danny")),
    ("Matthew", ("Matt",)),
    ("Anthony", ("Tony",)),
    ("Joseph", ("Joe",)),
    ("David", ("Dave",)),
    ("Andrew", ("Andy", "Drew")),
    ("Edward", ("Ed", "Eddie", "Ted")),
    ("Benjamin", ("Ben",)),
    ("Jonathan", ("Jon",)),
    ("Nicholas", ("Nick",)),
    ("Samuel", ("Sam",)),
    ("Alexander", ("Alex",)),
    ("Stephen", ("Steve",)),
    ("Peter", ("Pete",)),
    ("Charles", ("Charlie",)),
    ("Henry", ("Harry",)),
    ("Timothy", ("Tim",)),
    ("Patrick", ("Paddy", "Pat")),
    ("Oliver", ("Ollie",)),
    ("Jacob", ("Jake",)),
    ("Joshua", ("Josh",)),
    ("Mohammed", ("Mo",)),
    ("Jack", ()),
    ("Harry", ()),
    ("George", ()),
    ("Noah", ()),
    ("Leo", ()),
    ("Oscar", ()),
    ("Arjun", ()),
    ("Liam", ()),
    ("Connor", ()),
    ("Callum", ()),
    ("Kieran", ()),
    ("Gareth", ()),
    ("Rhys", ()),
    ("Dylan", ()),
    ("Owen", ()),
    ("Lewis", ()),
    ("Ryan", ()),
    ("Sean", ()),
    ("Seán", ()),
    ("Tomasz", ()),
    ("Rajesh", ()),
)
LAST_NAMES: tuple[str, ...] = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards",
    "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood",
    "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King",
    "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis",
    "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook",
    "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox",
    "Richards", "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh",
    "Begum", "Wilkinson", "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason",
    "Ali", "Hunt", "Hussain", "Campbell", "Matthews", "Owen", "Palmer", "Holmes", "Mills",
    "Barnes", "Knight", "Lloyd", "Butler", "Russell", "Barker", "Fisher", "Stevens",
    "Jenkins", "Murray", "Dixon", "Harvey", "Graham", "Pearson", "Ahmed", "Fletcher",
    "Walsh", "Kaur", "Gibson", "Howard", "Andrews", "Stewart", "Elliott", "Reynolds",
    "Saunders", "Payne", "Fox", "Ford", "Pearce", "Day", "Brooks", "West", "Lawrence",
    "Cole", "Atkinson", "Bradley", "Spencer", "Gill", "Dawson", "Ball", "Burton", "Watts",
    "Rose", "Booth", "Perry", "Grant", "Wells", "Armstrong", "Francis", "Rees", "Hayes",
    "Hart", "Hudson", "Newman", "Barrett", "Kennedy", "Robertson", "Nowak", "Kowalski",
    "O'Brien", "O'Connor", "McDonald", "MacLeod", "Smith-Jones", "Nguyen", "Müller",
)  # fmt: skip

# Street name, and the suffix with the abbreviation people write instead.
STREETS: tuple[str, ...] = (
    "High", "Church", "Victoria", "Station", "Park", "Mill", "Green", "Manor", "Kings",
    "Queens", "London", "York", "Albert", "Chapel", "Grange", "Springfield", "Orchard",
    "Meadow", "Beech", "Oak", "Elm", "Willow", "Cedar", "Hawthorn", "Windsor", "Richmond",
    "Highfield", "Broad", "North", "South", "West", "New", "School", "Castle", "Bridge",
    "Market", "Westfield", "Riverside", "Priory", "Abbey", "Cromwell", "Nelson", "Stanley",
    "Clarendon", "Belmont", "Ashgrove", "Fairview", "Woodland", "Hillside", "Rosemary",
)  # fmt: skip
SUFFIXES: tuple[tuple[str, str], ...] = (
    ("Street", "St"),
    ("Road", "Rd"),
    ("Avenue", "Ave"),
    ("Lane", "Ln"),
    ("Close", "Cl"),
    ("Drive", "Dr"),
    ("Crescent", "Cres"),
    ("Gardens", "Gdns"),
    ("Place", "Pl"),
    ("Terrace", "Terr"),
    ("Grove", "Gr"),
    ("Way", "Way"),
)

# (city, region, latitude, longitude, postcode area, relative population)
CITIES: tuple[tuple[str, str, float, float, str, float], ...] = (
    ("London", "London", 51.5074, -0.1278, "SE", 9.0),
    ("Manchester", "North West", 53.4808, -2.2426, "M", 2.8),
    ("Birmingham", "West Midlands", 52.4862, -1.8904, "B", 2.9),
    ("Leeds", "Yorkshire and the Humber", 53.8008, -1.5491, "LS", 1.9),
    ("Glasgow", "Scotland", 55.8642, -4.2518, "G", 1.8),
    ("Bristol", "South West", 51.4545, -2.5879, "BS", 1.2),
    ("Edinburgh", "Scotland", 55.9533, -3.1883, "EH", 1.1),
    ("Liverpool", "North West", 53.4084, -2.9916, "L", 1.3),
    ("Newcastle upon Tyne", "North East", 54.9783, -1.6178, "NE", 1.0),
    ("Cardiff", "Wales", 51.4816, -3.1791, "CF", 0.9),
    ("Sheffield", "Yorkshire and the Humber", 53.3811, -1.4701, "S", 1.1),
    ("Nottingham", "East Midlands", 52.9548, -1.1581, "NG", 0.9),
    ("Brighton", "South East", 50.8225, -0.1372, "BN", 0.7),
    ("Southampton", "South East", 50.9097, -1.4044, "SO", 0.7),
    ("Leicester", "East Midlands", 52.6369, -1.1398, "LE", 0.8),
    ("Belfast", "Northern Ireland", 54.5973, -5.9301, "BT", 0.8),
    ("Reading", "South East", 51.4543, -0.9781, "RG", 0.6),
    ("Oxford", "South East", 51.752, -1.2577, "OX", 0.5),
    ("Cambridge", "East of England", 52.2053, 0.1218, "CB", 0.5),
    ("Norwich", "East of England", 52.6309, 1.2974, "NR", 0.5),
    ("Exeter", "South West", 50.7184, -3.5339, "EX", 0.4),
    ("Plymouth", "South West", 50.3755, -4.1427, "PL", 0.5),
    ("Milton Keynes", "South East", 52.0406, -0.7594, "MK", 0.5),
    ("Coventry", "West Midlands", 52.4068, -1.5197, "CV", 0.6),
    ("Aberdeen", "Scotland", 57.1497, -2.0943, "AB", 0.4),
    ("York", "Yorkshire and the Humber", 53.96, -1.0873, "YO", 0.4),
    ("Hull", "Yorkshire and the Humber", 53.7676, -0.3274, "HU", 0.5),
    ("Swansea", "Wales", 51.6214, -3.9436, "SA", 0.4),
    ("Derby", "East Midlands", 52.9225, -1.4746, "DE", 0.4),
    ("Stoke-on-Trent", "West Midlands", 53.0027, -2.1794, "ST", 0.4),
    ("Bath", "South West", 51.3811, -2.359, "BA", 0.3),
    ("Chester", "North West", 53.1934, -2.8931, "CH", 0.3),
    ("Dundee", "Scotland", 56.462, -2.9707, "DD", 0.3),
    ("Inverness", "Scotland", 57.4778, -4.2247, "IV", 0.2),
    ("Bournemouth", "South West", 50.7192, -1.8808, "BH", 0.4),
    ("Guildford", "South East", 51.2362, -0.5704, "GU", 0.4),
)
# Named stores, in the order they open as the chain grows: (city, site, format).
STORE_SITES: tuple[tuple[str, str, str], ...] = (
    ("London", "Oxford Street", "flagship"),
    ("Manchester", "Arndale", "standard"),
    ("Birmingham", "Bullring", "standard"),
    ("Leeds", "Trinity", "standard"),
    ("Glasgow", "Buchanan Street", "standard"),
    ("London", "Westfield Stratford", "standard"),
    ("Bristol", "Cabot Circus", "standard"),
    ("Edinburgh", "Princes Street", "standard"),
    ("Liverpool", "Liverpool ONE", "standard"),
    ("Oxford", "Bicester Village", "outlet"),
    ("Newcastle upon Tyne", "Eldon Square", "standard"),
    ("London", "Canary Wharf", "express"),
    ("Cardiff", "St David's", "standard"),
    ("Sheffield", "Meadowhall", "standard"),
    ("Nottingham", "Victoria Centre", "standard"),
    ("Brighton", "Churchill Square", "standard"),
    ("London", "King's Cross", "express"),
    ("Southampton", "WestQuay", "standard"),
    ("Leicester", "Highcross", "standard"),
    ("Belfast", "Victoria Square", "standard"),
    ("Reading", "The Oracle", "standard"),
    ("Cambridge", "Grand Arcade", "standard"),
    ("Manchester", "Piccadilly Station", "express"),
    ("Norwich", "Chapelfield", "standard"),
    ("Exeter", "Princesshay", "standard"),
)

# (category, subcategories, nouns, median price in pounds, return propensity,
#  seasonal bumps as (day of year, width in days, amplitude))
CATEGORIES: tuple[
    tuple[str, tuple[str, ...], tuple[str, ...], float, float, tuple[tuple[int, int, float], ...]],
    ...,
] = (
    (
        "Womenswear",
        ("Dresses", "Tops", "Knitwear", "Coats"),
        ("Wrap Dress", "Midi Dress", "Linen Shirt", "Cashmere Jumper", "Trench Coat", "Blouse"),
        39.0,
        1.5,
        ((100, 25, 0.35), (270, 30, 0.3)),
    ),
    (
        "Menswear",
        ("Shirts", "Knitwear", "Trousers", "Jackets"),
        ("Oxford Shirt", "Merino Jumper", "Chinos", "Wool Overcoat", "Polo Shirt", "Gilet"),
        42.0,
        1.2,
        ((110, 25, 0.25), (280, 30, 0.35)),
    ),
    (
        "Kidswear",
        ("Babywear", "School", "Outerwear"),
        ("Romper Set", "School Jumper", "Puffer Jacket", "Pyjamas", "Rain Mac"),
        18.0,
        0.9,
        ((235, 12, 1.2),),
    ),
    (
        "Footwear",
        ("Trainers", "Boots", "Sandals", "Shoes"),
        ("Leather Trainers", "Chelsea Boots", "Slider Sandals", "Brogues", "Running Shoes"),
        55.0,
        1.6,
        ((235, 15, 0.6), (290, 25, 0.3)),
    ),
    (
        "Accessories",
        ("Bags", "Scarves", "Jewellery", "Hats"),
        ("Tote Bag", "Wool Scarf", "Silver Necklace", "Beanie", "Leather Belt", "Crossbody Bag"),
        22.0,
        0.7,
        ((350, 15, 0.9), (45, 5, 0.4)),
    ),
    (
        "Beauty",
        ("Skincare", "Fragrance", "Makeup"),
        ("Face Serum", "Eau de Parfum", "Lip Balm Set", "Night Cream", "Bath Gift Set"),
        16.0,
        0.3,
        ((352, 14, 1.6), (45, 5, 0.6), (70, 7, 0.5)),
    ),
    (
        "Home",
        ("Bedding", "Kitchen", "Decor", "Lighting"),
        ("Duvet Cover", "Cast Iron Pan", "Scented Candle", "Table Lamp", "Throw Cushion"),
        28.0,
        0.6,
        ((10, 12, 0.6), (300, 30, 0.3)),
    ),
    (
        "Electronics",
        ("Audio", "Smart Home", "Gadgets"),
        ("Wireless Earbuds", "Smart Speaker", "Power Bank", "Fitness Tracker", "Desk Lamp"),
        79.0,
        0.8,
        ((330, 6, 1.6), (352, 12, 1.0)),
    ),
    (
        "Sports",
        ("Running", "Yoga", "Outdoor"),
        ("Running Tights", "Yoga Mat", "Waterproof Jacket", "Water Bottle", "Gym Bag"),
        34.0,
        1.0,
        ((8, 14, 1.1), (180, 35, 0.4)),
    ),
    (
        "Toys",
        ("Games", "Puzzles", "Building"),
        ("Board Game", "Jigsaw Puzzle", "Building Set", "Plush Bear", "Craft Kit"),
        21.0,
        0.4,
        ((345, 22, 2.8),),
    ),
)
BRANDS: tuple[str, ...] = (
    "Larkspur", "Northfield", "Ashby & Reed", "Coastline", "Meridian", "Hollow Oak",
    "Brightwell", "Fenwick Lane", "Kestrel", "Marlow", "Tideway", "Oakhurst",
)  # fmt: skip
ADJECTIVES: tuple[str, ...] = (
    "Classic", "Organic", "Relaxed", "Tailored", "Everyday", "Premium", "Heritage",
    "Lightweight", "Recycled", "Essential", "Signature", "Soft-Touch",
)  # fmt: skip

EMAIL_DOMAINS: tuple[tuple[str, float], ...] = (
    ("gmail.com", 0.36),
    ("hotmail.co.uk", 0.12),
    ("outlook.com", 0.11),
    ("yahoo.co.uk", 0.08),
    ("icloud.com", 0.09),
    ("btinternet.com", 0.06),
    ("sky.com", 0.04),
    ("live.co.uk", 0.05),
    ("aol.com", 0.02),
    ("protonmail.com", 0.02),
    ("me.com", 0.05),
)
PLUS_TAGS: tuple[str, ...] = ("shop", "larkspur", "orders", "retail")
BUSINESS_TRADES: tuple[str, ...] = (
    "andco", "interiors", "plumbing", "studio", "consulting", "bakery", "florist",
    "design", "builders", "events",
)  # fmt: skip

RETURN_REASONS: tuple[str, ...] = (
    "too small", "too large", "changed mind", "not as described", "faulty",
    "arrived damaged", "better price elsewhere", "gift return",
)  # fmt: skip
SEARCH_TERMS: tuple[str, ...] = (
    "dress", "jumper", "gift", "trainers", "boots", "candle", "earbuds", "coat", "sale",
    "yoga", "jeans", "perfume", "lamp", "kids pyjamas", "board game", "scarf",
)  # fmt: skip
SUPPORT_TOPICS: tuple[str, ...] = ("delivery", "refund", "product", "account", "loyalty")
OFFERS: tuple[tuple[str, str], ...] = (
    ("OFF-FREESHIP", "Free delivery today"),
    ("OFF-10PCT", "10% off your basket"),
    ("OFF-BUNDLE", "3 for 2 on selected lines"),
)
PUBLIC_COUPONS: tuple[tuple[str, float], ...] = (
    ("WELCOME10", 0.10),
    ("STUDENT10", 0.10),
    ("VOUCHER15", 0.15),
)
SOCIAL_PLATFORMS: tuple[tuple[str, str], ...] = (
    ("x", "https://x.com/{h}/status/{n}"),
    ("instagram", "https://www.instagram.com/p/{n}/"),
    ("facebook", "https://www.facebook.com/{h}/posts/{n}"),
    ("tiktok", "https://www.tiktok.com/@{h}/video/{n}"),
    ("trustpilot", "https://uk.trustpilot.com/reviews/{n}"),
)
SOCIAL_TEXTS: tuple[tuple[str, ...], ...] = (
    (  # negative
        "Still waiting for my order from @larkspurco. Not impressed.",
        "Third time my parcel has been late. Sort it out @larkspurco",
        "Returned my {c} to @larkspurco two weeks ago and still no refund",
        "Rude service at the till today. Will shop elsewhere.",
    ),
    (  # neutral
        "Anyone tried the new {c} range at @larkspurco?",
        "Popped into Larkspur today, busy as ever",
        "Is the @larkspurco sale on in store too?",
    ),
    (  # positive
        "Love my new {c} from @larkspurco!",
        "Brilliant service at Larkspur today, thank you",
        "Click and collect from @larkspurco was so easy",
        "Best {c} I have bought in years. Thanks @larkspurco",
    ),
)
SURVEY_COMMENTS: tuple[tuple[str, ...], ...] = (
    ("Delivery was late and nobody told me", "Took ages to get a refund", "Poor service"),
    ("It was fine", "Okay but could be quicker", "Average experience"),
    ("Great service, thank you", "Quick and easy", "Staff were really helpful"),
)


def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters of a name, as used in e-mail addresses and handles."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalpha())


def typos(name: str) -> tuple[str, str]:
    """Two typing errors of a name: two letters transposed, one letter dropped."""
    if len(name) < 4:
        return name + name[-1], name
    i = len(name) // 2
    swapped = name[: i - 1] + name[i] + name[i - 1] + name[i + 1 :]
    dropped = name[:i] + name[i + 1 :]
    return swapped, dropped
