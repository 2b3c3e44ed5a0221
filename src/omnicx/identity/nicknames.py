"""English nicknames and spelling variants of first names, mapped to one canonical form.

Keys and values are normalised names (lower case, ASCII). Ambiguous short forms that
belong to several names about equally (``sandy``, ``jo``, ``fran``, ``terry``, ``al``)
are left out: a wrong canonical form would join people who are not the same.
"""

from __future__ import annotations

_CANONICAL: dict[str, tuple[str, ...]] = {
    "robert": ("bob", "bobby", "rob", "robbie", "robby", "bert"),
    "william": ("bill", "billy", "will", "willy", "willie", "liam"),
    "elizabeth": (
        "liz",
        "lizzie",
        "lizzy",
        "beth",
        "betty",
        "bette",
        "betsy",
        "libby",
        "eliza",
        "elisabeth",
        "elspeth",
    ),
    "katherine": (
        "kate",
        "katie",
        "katy",
        "kathy",
        "cathy",
        "kath",
        "kat",
        "kitty",
        "catherine",
        "katharine",
        "kathryn",
        "cathryn",
        "kathleen",
    ),
    "james": ("jim", "jimmy", "jimmie", "jamie", "jem"),
    "michael": ("mike", "mikey", "mick", "micky", "mickey", "mikael"),
    "david": ("dave", "davey", "davy", "dai"),
    "thomas": ("tom", "tommy", "thom"),
    "richard": ("dick", "rick", "ricky", "rich", "richie", "dickie"),
    "anthony": ("tony", "antony", "ant"),
    "christopher": ("chris", "kit", "topher", "kristopher", "christoper"),
    "jennifer": ("jenny", "jen", "jenn", "jennie"),
    "susan": ("sue", "susie", "suzie", "suzy"),
    "margaret": ("maggie", "meg", "peggy", "marge", "margie", "madge", "greta", "maisie"),
    "alexander": ("alex", "alec", "xander", "alasdair", "alistair", "alastair"),
    "samuel": ("sam", "sammy"),
    "daniel": ("dan", "danny", "dannie"),
    "matthew": ("matt", "matty", "mathew"),
    "nicholas": ("nick", "nicky", "nicolas", "nickolas"),
    "benjamin": ("ben", "benny", "benji", "benjy"),
    "joseph": ("joe", "joey", "jos"),
    "andrew": ("andy", "drew", "andie"),
    "stephen": ("steve", "stevie", "steven", "stephan"),
    "patricia": ("pat", "patty", "patsy", "trish", "tricia", "trisha"),
    "rebecca": ("becky", "becca", "bec", "rebekah"),
    "jessica": ("jess", "jessie"),
    "edward": ("ed", "eddie", "eddy", "ted", "teddy", "ned"),
    "henry": ("harry", "hank", "hal"),
    "charles": ("charlie", "chuck", "chas", "chaz"),
    "frederick": ("fred", "freddie", "freddy", "frederic", "fredrick"),
    "john": ("jack", "johnny", "jon", "jonny"),
    "jonathan": ("jonathon", "johnathan"),
    "joshua": ("josh",),
    "timothy": ("tim", "timmy"),
    "gregory": ("greg", "gregg"),
    "jeffrey": ("jeff", "geoffrey", "geoff", "jeffery"),
    "kenneth": ("ken", "kenny"),
    "ronald": ("ron", "ronnie"),
    "donald": ("don", "donnie"),
    "douglas": ("doug", "dougie"),
    "gerald": ("gerry", "jerry"),
    "lawrence": ("larry", "laurence"),
    "leonard": ("len", "lenny"),
    "raymond": ("ray",),
    "walter": ("walt", "wally"),
    "peter": ("pete",),
    "philip": ("phil", "phillip", "pip"),
    "zachary": ("zach", "zack", "zak"),
    "victoria": ("vicky", "vicki", "vickie", "tori"),
    "deborah": ("debbie", "debby", "deb", "debra"),
    "pamela": ("pam", "pammy"),
    "barbara": ("barb", "babs", "barbie"),
    "dorothy": ("dot", "dottie", "dolly"),
    "judith": ("judy", "judi"),
    "kimberly": ("kim", "kimberley"),
    "cynthia": ("cindy",),
    "abigail": ("abby", "abbie", "abi"),
    "amanda": ("mandy",),
    "theresa": ("tess", "tessa", "teresa", "tessie"),
    "jacqueline": ("jackie", "jacqui"),
    "josephine": ("josie",),
    "gabriel": ("gabe",),
    "isabella": ("bella", "izzy", "isabel", "isobel", "isabelle"),
    "eleanor": ("ellie", "nell", "nellie", "elinor"),
    "arthur": ("art", "artie"),
    "eugene": ("gene",),
    "vincent": ("vince", "vinny", "vinnie"),
    "angela": ("angie",),
    "melissa": ("missy",),
    "sarah": ("sally", "sara"),
    "mary": ("molly", "polly", "mamie"),
    "ann": ("annie", "anne", "nan", "nancy"),
    "caroline": ("carrie", "carol", "carole", "lina"),
    "christina": ("tina", "christine", "kristina", "kristine"),
    "louise": ("lou", "lulu", "louisa"),
    "helen": ("nell", "ellen", "helena"),
    "benedict": ("benedikt",),
    "mohammed": ("mohammad", "muhammad", "mohamed", "mohamad", "muhammed"),
    "oliver": ("ollie", "olly"),
    "frances": ("fanny",),
    "francis": ("frank", "frankie"),
    "nathaniel": ("nathanael",),
    "sebastian": ("seb", "bastian"),
    "stuart": ("stewart", "stu"),
    "terence": ("terrence",),
    "geraldine": ("geri",),
    "florence": ("flo", "flossie"),
    "harold": ("harry",),
}

NICKNAMES: dict[str, str] = {}
for _canonical, _variants in _CANONICAL.items():
    for _variant in _variants:
        # the first canonical name listed for a variant wins (harry -> henry, not harold)
        NICKNAMES.setdefault(_variant, _canonical)

# Common first names beyond the table above, so role detection can tell a first-name
# column from a surname or place column by its contents.
_MORE_FIRST_NAMES = """
aaron adam adrian aidan alan albert alice alicia amber amelia amy andrea angus anna
annabel archie ashley audrey ava bailey beau blake bradley brandon brayden brenda brendan
brian brittany brodie brooke bruce caitlin callum calum cameron carl carla carlos carmen
casey charlotte chelsea chloe claire clara claudia cody colin connor craig daisy dale
dana darcy darren dean declan denise dennis derek diana dominic dylan eden elijah ella
emily emma eric erin ethan eva evan evie faith felix fiona gary gavin gemma george
georgia gordon grace graham grant hannah harrison hayden heather holly hugh hugo ian
imogen isaac isla ivy jacob jade jake jasmine jason jayden jeremy jesse joan jodie joel
jordan julia julian justin kai karen kayla keira keith kelly kevin kieran kirsty kyle
lachlan laura lauren leah lee liam lily lisa logan lucas lucy luke lydia madeleine
madison mark martin mason maya megan mia michaela michelle mitchell morgan natalie
neil nicole noah olivia oscar owen paige paul phoebe rachel reece riley robyn rose
ruby russell ryan samantha scott sean shane shannon sophie spencer stella summer
tahlia tara taylor thea tyler victor wayne xavier zac zoe
"""

FIRST_NAMES: frozenset[str] = frozenset(
    set(_CANONICAL) | set(NICKNAMES) | set(_MORE_FIRST_NAMES.split())
)
