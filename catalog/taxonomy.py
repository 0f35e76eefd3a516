"""The category taxonomy and the declared rules that assign a product to one of its leaves.

Chorus (Icecat) products carry no category, but their titles name the product type, usually
in lowercase after the model number ("Xerox 006R90321 toner cartridge Original Black"), and
some attributes betray it ("black_toner_page_yield"). The rules below were mined from the
19,406 Chorus titles; they are ordered and the FIRST matching rule wins, so a specific rule
("notebook case") must come before a general one ("notebook"). Everything here is a pure
function of (title, attributes): no database, so it is cheap to test over the full catalog.

A rule matches when any of its title patterns matches (case-insensitive, on word boundaries),
all of its attribute conditions hold (attribute key -> regex on the value, or None for
"present"), and none of its `unless` patterns matches. Products matching no rule get no
category: an honest gap is better than a junk bucket.
"""

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

PATH_SEPARATOR = " > "


@dataclass(frozen=True)
class Rule:
    path: str
    title: tuple[str, ...] = ()
    attributes: Mapping[str, str | None] = field(default_factory=dict)
    unless: tuple[str, ...] = ()

    def __post_init__(self):
        if not (self.title or self.attributes):
            raise ValueError(f"rule for {self.path!r} has neither title patterns nor attribute conditions")


def _words(patterns: Iterable[str]) -> re.Pattern | None:
    patterns = tuple(patterns)
    if not patterns:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(patterns) + r")(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class _CompiledRule:
    path: str
    title: re.Pattern | None
    unless: re.Pattern | None
    attributes: tuple[tuple[str, re.Pattern | None], ...]

    def matches(self, title: str, attributes: Mapping) -> bool:
        if self.title is not None and not self.title.search(title):
            return False
        if self.unless is not None and self.unless.search(title):
            return False
        for key, value_pattern in self.attributes:
            if key not in attributes:
                return False
            if value_pattern is not None and not value_pattern.search(str(attributes[key])):
                return False
        return True


# The rules are a reviewable table, laid out by hand rather than by the formatter.
# fmt: off
# Patterns shared by several rules.
_CABLE = r"(?:cable|cord|lead|y-cable)s?"
_SIZE_AND_PIXELS = r"cm\s+\(\d+(?:\.\d+)?\"\)\s+\d+\s+x\s+\d+\s+pixels"

# A printer's resolution, speed or kind: printers carry their supplies' attributes (toner page
# yield, ink type), so the attribute rules for supplies must not take titles that state these
# (103 printers were filed as cartridges). A supply's title naming its printer still says
# "toner" or "ink cartridge", which the title rules below catch.
_PRINTER_SPECS = (r"\d+\s*x\s*\d+\s*dpi", r"\d+(?:\.\d+)?\s*ppm", r"(?:inkjet|laser|photo|large\s+format)\s+printer")
# Drums carry a toner page yield too; the drum rule (which leaves "toner cartridge and drum"
# titles to toner) decides them.
_DRUM = r"drum(?:\s+(?:unit|kit|cartridge))?"

RULES: tuple[Rule, ...] = (
    # --- Printing supplies first: their titles often name a printer model as well.
    Rule("Printing > Toner cartridges", attributes={"black_toner_page_yield": None}, unless=(*_PRINTER_SPECS, _DRUM, r"waste")),
    Rule("Printing > Toner cartridges", attributes={"colour_toner_page_yield": None}, unless=(*_PRINTER_SPECS, _DRUM, r"waste")),
    Rule(
        "Printing > Drums & imaging units",
        (r"(?:printer|image|imaging)\s+drums?", r"drum(?:\s+(?:unit|kit|cartridge))?", r"imaging\s+(?:unit|kit)",
         r"photoconductor(?:\s+unit)?", r"developer(?:\s+unit)?", r"dr-?\d{3,4}"),
        unless=(r"toner\s+cartridge",),
    ),
    Rule(
        "Printing > Printer parts & maintenance",
        (r"waste", r"toner\s+collector", r"fuser(?:\s+(?:kit|oil|cleaning\s+pad))?", r"transfer\s+(?:belt|kit|roller|unit)",
         r"printer\s+(?:belt|kit|roller|memory|cleaning|emulation\s+upgrade|cabinet/stand|stand)", r"maintenance\s+(?:kit|cartridge)",
         r"print\s*heads?", r"tray/feeder", r"(?:sheet|paper|envelope)\s+feeder", r"feed(?:er)?\s+module", r"roll\s+feed",
         r"duplex\s+(?:unit|module)", r"output\s+stacker", r"staple\s+cartridge", r"finisher", r"paper\s+tray",
         r"printer/scanner\s+spare\s+part", r"print\s+server", r"language\s+font", r"postscript", r"multi\s+bin\s+mailbox",
         r"fax\s+supply", r"scanner\s+(?:accessory|transparency\s+adapter)", r"endorser/imprinter", r"roller\s+kit",
         r"cleaning\s+media", r"scan\s+enablement", r"(?:feed\s+)?roller(?:\s+unit)?", r"tractor(?:\s+unit)?",
         r"sheet\s+guide", r"transparency\s+unit", r"two-sided\s+printing\s+accessory"),
        # "HP Roller Case notebook case", "NGS Roller Coaster ... speaker".
        unless=(r"notebook\s+case", r"speakers?"),
    ),
    Rule("Printing > Printer ribbons", (r"(?:printer\s+|correction\s+)?ribbons?", r"fax\s+cartridge", r"thermal\s+transfer\s+film")),
    Rule("Printing > Toner cartridges", (r"toner(?:\s+cartridges?)?", r"laser\s+cartridge", r"c-exv\s*\d+", r"tk-\d+", r"tn-?\d{3,4}", r"type\s+c\d+")),
    Rule(
        "Printing > Ink cartridges",
        (r"ink(?:\s+(?:cartridges?|tank|stick|refill))?", r"singlepack", r"multipack", r"print\s+cartridge",
         r"(?:bci|cli|pgi|pfi|cl|pg)-\d+\w*", r"lc\d{3,4}\w*", r"no\.\s?\d+"),
        unless=(r"dvd[-+]r\w*", r"cd-r\w*"),
    ),
    Rule("Printing > Ink cartridges", attributes={"ink_type": None}, unless=_PRINTER_SPECS),
    Rule(
        "Printing > Ink cartridges",
        attributes={"print_technology": "inkjet", "printing_colours": None},
        unless=_PRINTER_SPECS,
    ),
    Rule(
        "Printing > Toner cartridges",
        attributes={"print_technology": "laser", "printing_colours": None},
        unless=_PRINTER_SPECS,
    ),
    # Labels before paper: HERMA titles say "labels ... white paper matt".
    Rule("Office supplies > Labels & label tapes", (r"label-making\s+tape", r"label\s+tape", r"labelling\s+tape")),
    Rule(
        "Office supplies > Labels & label tapes",
        (r"(?:self-adhesive\s+)?labels?", r"etiketten", r"name\s+badges?", r"non-metallic\s+nameplate", r"stickers?",
         r"marking\s+tags", r"number\s+blocks", r"colour\s+dots"),
        unless=(r"sticker\s+book", r"label\s+(?:printer|maker|writer)", r"labelwriter", r"ac\s+adapter"),
    ),
    Rule(
        "Printing > Paper & print media",
        (r"(?:photo|printing|printer|copy|bond|art|plotter|thermal|inkjet|tractor\s+feed|coated|matte?|glossy)\s+paper",
         r"large\s+format\s+media", r"printable\s+textile", r"printing\s+film", r"transparency\s+film", r"paper",
         r"canvas", r"posterboard", r"cling\s+film", r"adhesive\s+(?:cover\s+)?film", r"\d+\s*mm\s+x\s+\d+(?:\.\d+)?\s*m\s+\("),
        # Kingston's "Canvas Go! Plus memory card" is a card, not a print medium
        unless=(r"paper\s+(?:cutter|shredder)", r"memory\s+cards?"),
    ),
    # Printer care packs name the printer they cover ("HP 3y Nbd LaserJet P2035/55 HW Supp"); the
    # general warranty rule comes later, after the supplies whose model numbers end in "...Y".
    Rule(
        "Computers > Warranties & support",
        (r"warranty", r"care\s*pack", r"hardware\s+support", r"hw\s+supp", r"nbd\w*", r"next\s+business\s+day",
         r"on-?site", r"svc", r"\d+y,?\s+(?:support|std|pw)"),
    ),
    Rule(
        "Printing > Printers & scanners",
        (r"(?:inkjet|laser|photo|dot\s+matrix|line\s+matrix|large\s+format|label|receipt|pos|thermal|3d)\s+printers?",
         r"printers?", r"multifunctional", r"mfp", r"laserjet", r"officejet", r"deskjet", r"designjet", r"photosmart",
         r"pixma", r"phaser", r"workcentre", r"skrivare", r"fax\s+machine", r"plotter", r"tm-[a-z]{0,2}\d+\w*",
         r"scanners?", r"scanjet", r"document\s+camera", r"labelwriter", r"label\s+maker", r"stylus\s+pro\s+\d+", r"lq-\d+", r"fx-\d{3,4}",
         r"\d+\s*x\s*\d+\s*dpi"),
        # A printer's cable, battery or memory is filed with cables, batteries and memory, not
        # as a printer; HP's Photosmart line names digital cameras too.
        unless=(r"printer\s+(?:extension\s+|adapter\s+)?" + _CABLE, r"batter(?:y|ies)\s+for", r"(?:digital|compact)\s+camera",
                r"memory\s+(?:option|upgrade|module|for)", r"(?:phaser|additional)\s+memory", r"ram\s+for",
                r"\d+\s*mb\s+memory,\s+phaser", r"blade",
                # What a printer comes with is filed with its kind: adapters, sleeves, maintenance cartridges.
                r"(?:ac|dc|power)\s+adapter", r"sleeve", r"maintenance\s+cartridge"),
    ),
    # --- Game consoles and what is made for them before the cases, switches and discs their titles
    # name: "Bigben Switch Pack III Hardshell case Nintendo" was a network switch.
    Rule(
        "Toys & games > Video games & consoles",
        (r"(?:portable\s+)?game\s+consoles?(?:\s+case)?", r"video\s+games?", r"gamepad", r"joystick", r"game\s+controller",
         r"racing\s+wheel", r"playstation", r"xbox", r"nintendo"),
    ),
    # --- Bags and cases before the devices they carry.
    Rule(
        "Computers > Laptop bags & cases",
        (r"(?:notebook|laptop|tablet|netbook)\s+(?:case|bag|sleeve|briefcase|backpack|cover)s?", r"backpacks?",
         r"briefcases?", r"sleeves?", r"messenger\s+bag", r"e-book\s+reader\s+case", r"peripheral\s+device\s+case",
         r"equipment\s+case", r"carrying\s+case", r"trolley", r"tote"),
        unless=(r"tool\s+kit",),
    ),
    Rule(
        "Computers > Docking stations & hubs",
        (r"notebook\s+dock/port\s+replicator", r"docking\s+station", r"port\s+replicator", r"(?:usb|interface)\s+hubs?",
         r"mobile\s+device\s+dock\s+station", r"(?:quick)?dock(?:ing)?", r"\w*hub", r"thunderbolt\s+3"),
        unless=(r"docking\s+(?:speaker|entertainment)", r"hub\s+printable", r"cable"),
    ),
    Rule(
        "Computers > Security locks & privacy filters",
        (r"cable\s+locks?", r"security\s+(?:lock|slot|enclosure|cable)", r"tablet\s+security\s+enclosure", r"clicksafe",
         r"microsaver", r"port\s+lock", r"combination\s+lock", r"(?:display\s+)?privacy\s+(?:filters?|screens?)", r"screen\s+protectors?",
         r"anti-glare\s+filter"),
    ),
    # --- Power equipment before cables: PDU and UPS titles mention cords and cables.
    Rule(
        "Batteries & power > UPS",
        (r"uninterruptible\s+power\s+suppl(?:y|ies)", r"ups", r"smart-ups", r"back-ups", r"symmetra", r"mge\s+galaxy",
         r"rbc\d*", r"line\s+conditioner", r"voltage\s+regulator", r"isolation\s+transformer", r"battery\s+backup"),
        unless=(r"cable", r"card"),
    ),
    Rule(
        "Batteries & power > Power distribution & surge protection",
        (r"power\s+distribution\s+units?", r"pdus?", r"surge\s+(?:protector|suppressor)s?", r"power\s+(?:strip|extension)s?",
         r"\d+-outlet", r"power\s+plug\s+adapter", r"socket\s+strip", r"power\s+rack\s+enclosure", r"transfer\s+switch",
         r"protection\s+box", r"surgearrest", r"power\s+conditioner", r"ac\s+outlet(?:\(s\)|s)"),
        unless=(r"cord\s+lead", r"extension\s+cord(?!,)"),
    ),
    # --- Input devices before cables: "Mouse ... retractable USB cable" is a mouse.
    Rule(
        "Computers > Keyboards & mice",
        (r"keyboards?", r"kbd", r"numeric\s+keypad", r"keypad", r"wrist\s+rest", r"qwerty", r"qwertz", r"azerty", r"mouse", r"mice",
         r"trackball", r"touch\s*pad", r"mouse\s+pads?", r"(?:wireless\s+)?presenter", r"stylus(?:\s+pen)?", r"laser\s+pointer",
         r"input\s+device\s+accessory"),
        unless=(r"(?:keyboard|mouse|ps/2)\s+(?:[\w/.-]+\s+){0,2}(?:cable|adapter|switch|extender)", r"kvm", r"keyboard\s+drawer",
                # A stylus is an input device; Epson's Stylus Pro is a printer line, and a
                # label maker's keyboard layout (DYMO LabelManager ... QWERTY) is no keyboard.
                r"gamepad", r"stylus\s+pro", r"labelmanager", r"blade"),
    ),
    # --- Cables, by kind; fibre before network ("fiber patch cable").
    Rule("Cables > Cable management & tools", (r"cable\s+(?:ties|tie|clamp|clips?|management|manager|organi[sz]er|sleeve|containment)",
                                              r"crimp\w*", r"cable\s+tester", r"punch\s+down", r"wire\s+stripper", r"tool\s+(?:kit|set)")),
    Rule(
        "Cables > Fibre optic cables",
        (r"fib(?:re|er)(?:\s+optic)?", r"multimode", r"single-?mode", r"om[1-4]", r"(?:lc|sc|st|mtrj)/(?:lc|sc|st|mtrj)",
         r"infiniband"),
        unless=(r"media\s+converter", r"transceiver", r"sfp", r"switch", r"networking\s+card"),
    ),
    Rule(
        "Cables > Network cables",
        (r"networking\s+" + _CABLE, r"network\s+(?:patch\s+)?" + _CABLE, r"patch\s+" + _CABLE, r"ethernet\s+" + _CABLE,
         r"cat\s*[3-8]e?a?", r"category\s+[5-8]e?", r"rj-?(?:45|48c?|11|12)\s+(?:[\w/.-]+\s+){0,2}" + _CABLE, r"cross-?over",
         r"telephone\s+" + _CABLE, r"telephone\s+rj-?11-rj-?11", r"u/?utp", r"s/?ftp", r"f/utp"),
        unless=(r"adapter", r"coupler", r"jack", r"patch\s+panel", r"tester", r"splitter", r"keystone", r"switch",
                r"networking\s+card", r"surge", r"wall\s+plate"),
    ),
    Rule("Cables > HDMI cables", (r"hdmi",), unless=(r"adapter", r"splitter", r"switch", r"converter", r"extender")),
    Rule(
        "Cables > KVM & computer cables",
        (r"kvm\s+(?:[\w/.-]+\s+){0,2}" + _CABLE, _CABLE + r"\s+for\s+(?:[\w/.-]+\s+){0,2}kvm",
         r"(?:[\w/.-]+\s+){0,2}" + _CABLE + r"\s+kit", r"(?:serial|parallel|printer|null\s+modem|"
         r"db-?(?:9|15|25)|rs-?232|ps/2|sata|e?sas|scsi|ide|ata|centronics|ieee-?1284)\s+(?:[\w/.-]+\s+){0,3}" + _CABLE,
         r"db-?(?:9|15|25)\w*", r"null\s+modem", r"ps/2", r"serial\s+ata", r"sata", r"mini-sas", r"scsi"),
        unless=(r"adapter", r"hard\s+drive", r"hdd", r"ssd", r"\d+\s*[gt]b", r"controller", r"card", r"enclosure", r"bracket", r"connector",
                r"power\s+cord",
                # A KVM switch ("8-Port PS/2-USB VGA KVM Switch"), not a cable for one.
                r"\d+[\s-]+port\s+(?:[\w/.-]+\s+){0,5}kvm\s+switch", r"console\s+extender", r"optical\s+disc\s+drive"),
    ),
    Rule(
        "Cables > Video cables",
        (r"(?:vga|svga|xga|dvi(?:-[dia])?|displayport|composite\s+video|s-video|video|monitor|signal|component|hd15|"
         r"coax\s+high\s+resolution|av)\s+(?:[\w/.-]+\s+){0,3}" + _CABLE, r"vga", r"dvi(?:-[dia])?", r"displayport", r"s-video"),
        unless=(r"adapter", r"splitter", r"switch", r"converter", r"extender", r"card", r"power\s+adapter\s+cable"),
    ),
    Rule(
        "Cables > USB cables",
        (r"usb(?:-[abc])?(?:\s+[\d.]+)?\s+(?:[\w/.-]+\s+){0,5}" + _CABLE, r"usb-c\s+" + _CABLE, r"lightning\s+" + _CABLE,
         r"firewire\s+(?:\w+\s+)?" + _CABLE, r"ieee\s+1394", r"mobile\s+phone\s+cable", r"camera\s+cable",
         r"sync/charge\s+cable", r"(?:usb|firewire|lightning)\s+(?:[\w/.-]+\s+){0,4}" + _CABLE),
        unless=(r"adapter", r"hub", r"card", r"charger", r"switch"),
    ),
    Rule(
        "Cables > Audio cables",
        (r"audio\s+(?:\w+\s+)?" + _CABLE, r"(?:stereo|rca|trs|xlr|speaker|toslink|optical|3\.5\s*mm|mini-?jack)\s+(?:[\w/.-]+\s+){0,3}"
         + _CABLE, r"pro-audio", r"audio\s+cable", r"speaker\s+wire"),
        unless=(r"adapter", r"splitter", r"kvm\s+switch"),
    ),
    Rule(
        "Cables > Power cables",
        (r"(?:power|ac|dc|mains|iec|c1[3-9]|c20|c[5-8]|nema\s+[\w-]+)\s+(?:[\w/.-]+\s+){0,3}" + _CABLE, r"power\s+cords?",
         r"(?:internal\s+)?power\s+(?:cable|lead)s?", r"extension\s+cords?", r"iec-?320"),
        unless=(r"adapter(?!\s+cable)", r"splitter", r"strip", r"pdu", r"ups"),
    ),
    Rule("Cables > Coaxial cables", (r"coaxial\s+" + _CABLE, r"coax(?:ial)?", r"rg-?(?:6|58|59|174|213)", r"antenna\s+cable",
                                     r"f-type", r"iec\s+(?:male|female)"),
         unless=(r"connector", r"adapter")),
    Rule(
        "Cables > Cable adapters & couplers",
        (r"cable\s+interface/gender\s+adapter", r"gender\s+(?:changer|adapter)", r"couplers?", r"wire\s+connectors?",
         r"coaxial\s+connector", r"keystone", r"modular\s+adapter", r"(?:\w+\s+)?adapters?", r"splitters?", r"connectors?",
         r"jack", r"wall\s+(?:plate|termination)", r"faceplate", r"\w+\s+to\s+[\w-]+\s+(?:\w+\s+)?(?:link|adapter|converter)"),
        unless=(r"power\s+adapter", r"ac\s+adapter", r"network\s+adapter", r"powerline", r"wireless", r"wi-fi",
                r"bluetooth", r"lens\s+adapter", r"card", r"plug\s+adapter", r"travel", r"phone",
                r"network\s+splitter", r"mobile", r"cooler\s+fan"),
    ),
    # A KVM switch sold with its cables ("2 Port USB KVM Switch Kit with Cables") is a KVM switch.
    Rule("Cables > Other cables", (_CABLE,), unless=(r"cable\s+lock", r"\d+\s*[gt]b", r"kvm\s+switch")),
    # --- Batteries & power.
    Rule(
        "Batteries & power > Power adapters & chargers",
        (r"power\s+adapter(?:/inverter)?s?", r"ac\s+adapters?", r"(?:battery|mobile\s+device|usb|car|wall|travel)\s+chargers?",
         r"chargers?", r"power\s+banks?", r"inverter", r"charging\s+station"),
    ),
    Rule(
        "Batteries & power > Batteries",
        (r"(?:household|single-use|rechargeable|camera/camcorder|notebook|storage\s+device\s+backup|ups)\s+batter(?:y|ies)",
         r"batter(?:y|ies)", r"aa", r"aaa", r"alkaline", r"li-ion", r"lithium", r"ni-mh", r"cr\d{4}", r"9v"),
        unless=(r"battery\s+grip", r"dolls?", r"shaver"),
    ),
    # Care packs name the computer they cover, so they come before the computers.
    Rule(
        "Computers > Warranties & support",
        (r"warranty(?:/support\s+extension)?", r"support\s+extension", r"care\s*pack", r"service\s+pack", r"on-?site",
         r"next\s*bus(?:iness)?\s*day", r"nbd", r"post\s+warranty", r"installation\s+service", r"return\s+to\s+depot", r"\d+y",
         r"svc", r"hw\s+supp", r"pickup\s+and\s+return", r"maintenance\s+visit", r"preventative", r"kyolife", r"\d+\s+years?\s+(?:warranty|service|support|on-?site)"),
    ),
    # --- Computers before components: their titles list processor, memory and storage.
    Rule(
        "Computers > Servers",
        (r"servers?", r"server\s+barebone", r"poweredge", r"proliant", r"primergy", r"thinksystem", r"superserver"),
        unless=(r"print\s+server", r"server/workstation\s+motherboard", r"server\s+board", r"video\s+servers?",
                r"storage\s+server", r"kvm", r"console\s+server", r"memory", r"hard\s+drive", r"chassis", r"thin\s+client",
                # a drive for the server ("... PowerEdge R/T x10 Series 3.5in SATA Hotswap HD w/ Caddy")
                r"hot\s?swap\s+(?:hdd?|server\s+drive)", r"hdd", r"hd\s+kit\w*", r"hd\s+w/"),
    ),
    # The whole product type: Icecat types a notebook stand "Notebook stand".
    Rule(
        "Computers > Laptops",
        attributes={"product_type": r"^(?:notebook|chromebook|netbook|hybrid|mobile\s+workstation)(?:\s+(?:pc|\(2-in-1\)))?$"},
    ),
    Rule(
        "Computers > Laptops",
        (r"notebook(?:\s+pc)?", r"laptops?", r"ultrabook", r"chromebook", r"netbook", r"thinkpad", r"elitebook", r"probook",
         r"latitude", r"zenbook", r"vivobook", r"ideapad", r"pavilion\s+dv\d+", r"macbook", r"matebook", r"mobile\s+workstation"),
        unless=(r"notebook\s+(?:spare\s+part|accessory|stand|cooling\s+pad|a[4-6]|squared|ruled|wirebound|dock)",
                r"writing\s+notebook", r"memory", r"batter(?:y|ies)", r"adapter", r"keyboard", r"drive", r"hdd", r"ssd",
                r"module", r"charger", r"lock", r"cooler", r"cooling", r"mount(?:ing)?", r"arm", r"stand",
                r"cover", r"for\s+(?:laptop|notebook)", r"hd\s+kit", r"\d+\s*rpm", r"holder",
                # Peripherals named for notebooks: "Philips Notebook headset", "HP Notebook QuickDock".
                r"headsets?", r"speakers?", r"webcams?", r"risers?", r"privacy", r"quickdock"),
    ),
    Rule(
        "Computers > Desktops & workstations",
        (r"(?:desktop|small\s+form\s+factor|ultra-slim\s+desktop|minitower|microtower|mini\s+tower|tower|sff|usff|mini|"
         r"all-in-one|convertible\s+minitower|elite\s+\w+)\s+pc", r"pc/workstation", r"thin\s+clients?", r"workstation",
         r"pc\s+(?:windows|freedos|linux)", r"pc$", r"all-in-one\s+pc", r"optiplex", r"thinkcentre", r"elitedesk", r"prodesk",
         r"xpc", r"nettop"),
        unless=(r"motherboard", r"memory", r"board", r"keyboard", r"mouse"),
    ),
    Rule("Computers > Desktops & workstations", attributes={"product_type": r"^(?:pc|workstation|all-in-one pc|system|mini pc)"}),
    Rule(
        "Computers > Tablets & handhelds",
        (r"tablets?", r"galaxy\s+tab", r"ipad", r"handheld\s+mobile\s+computers?", r"ipaq", r"pda", r"e-book\s+readers?"),
        unless=(r"handheld\s+mobile\s+computer\s+spare\s+part", r"graphic\s+tablet", r"tablet\s+(?:case|security|stand)",
                # What fits a handheld: "HP iPAQ 200 Holster", "Logitech Slim Folio For iPad Air".
                r"holsters?", r"cradles?", r"covers?", r"folio", r"(?:car|travel)\s+kit", r"headsets?", r"headphones?",
                r"antenna", r"holders?", r"stand", r"mounts?", r"adapter"),
    ),
    # A screen size, a resolution and a CPU brand: a laptop whose title omits the word.
    Rule("Computers > Laptops", (_SIZE_AND_PIXELS + r".*(?:intel|amd)",)),
    Rule(
        "Computers > Monitors",
        (r"(?:computer|lcd|led|touch\s+screen|tft|crt)\s+monitors?", r"monitors?"),
        unless=(r"monitor\s+(?:arm|mount|stand)", r"mounting\s+arm", r"speakers?", r"environmental", r"netbotz", r"baby\s+monitor", r"power\s+monitor",
                # Stands, mounts and adapters for monitors ("Quad Monitor Table Stand").
                r"(?:table|desk|wall|ceiling|floor)\s+(?:mount|stand)s?", r"mounting\s+bracket"),
    ),
    # --- Components.
    Rule(
        "Computer components > Motherboards",
        (r"motherboards?", r"server/workstation\s+motherboard", r"desktop\s+board", r"server\s+board", r"mainboard",
         r"lga\s+\d+\s+\(socket\s+\w+\)", r"socket\s+am\d\+?", r"socket\s+\d{3,4}"),
        unless=(r"processor", r"cooler", r"fan", r"heatsink"),
    ),
    Rule("Computer components > Motherboards", attributes={"product_type": r"board"}),
    Rule(
        "Computer components > Processors",
        (r"processors?", r"cpus?", r"xeon", r"opteron", r"athlon", r"pentium", r"celeron", r"core\s*i[3579]", r"core\s*2",
         r"ryzen", r"phenom", r"sempron", r"turion"),
        unless=(r"cooler", r"fan", r"heat\s*sink", r"mount", r"holder"),
    ),
    Rule("Computer components > Processors", attributes={"product_type": r"^processor"}),
    Rule(
        "Computer components > Memory",
        (r"memory\s+modules?", r"dimm", r"so-dimm", r"sodimm", r"ddr\d?(?:-sdram)?", r"sdram", r"rdimm", r"ram",
         r"system\s+specific\s+memory", r"memory", r"dram(?:-\d+)?"),
        unless=(r"memory\s+cards?", r"card\s+reader", r"flash", r"printer\s+memory", r"ram\s+mounts"),
    ),
    Rule("Computer components > Graphics cards", (r"graphics\s+cards?", r"video\s+cards?", r"geforce", r"radeon", r"quadro",
                                                  r"tripleh?ead2go", r"graphics\s+adapter")),
    Rule(
        "Computer components > Power supplies",
        (r"power\s+supply\s+units?", r"psu", r"power\s+supplies", r"power\s+supply"),
    ),
    Rule(
        "Computer components > Cases & cooling",
        (r"computer\s+(?:case(?:\s+part)?|cooling\s+component|liquid\s+cooling)", r"hardware\s+cooling\s+accessory",
         r"heat\s*sinks?", r"heat\s+sink\s+compound", r"thermal\s+(?:paste|compound)", r"coolers?", r"(?:case\s+)?fans?",
         r"cooling\s+pad", r"chassis", r"superchassis", r"drive\s+bay\s+panel", r"(?:midi|mini|full|micro)\s+tower",
         r"tower\s+case", r"pc\s+case", r"bezel", r"slot\s+plate"),
        # "... SATA HD kit 7200Rpm Dell Rev2 DT Chassis" is a drive for that chassis
        unless=(r"household\s+fan", r"hair", r"network\s+equipment\s+chassis", r"switch", r"hd\s+kit\w*"),
    ),
    Rule(
        "Computer components > Expansion cards",
        (r"interface\s+cards/adapter", r"(?:raid|controller|host\s+bus|sound|audio|serial|parallel|usb|firewire|pci(?:e|-e)?)\s+"
         r"(?:\w+\s+)?(?:card|adapter|controller)s?", r"slot\s+expander", r"adapter\s+card", r"raid", r"pci\s+express\s+card",
         r"audio\s+card", r"peripheral\s+controller", r"remote\s+management\s+adapter", r"interface\s+expander",
         r"(?:smartslot|pc|pcmcia|expresscard)\s+card", r"host\s+controller"),
        unless=(r"wireless", r"wlan", r"802\.11", r"ethernet", r"network", r"card\s+reader"),
    ),
    # --- Storage.
    Rule(
        "Storage > SSDs",
        (r"(?:internal|external|portable)?\s*solid\s+state\s+drives?", r"ssds?", r"nvme", r"m\.2"),
        unless=(r"notebook", r"laptop", r"pc", r"hdd\+ssd", r"card\s+reader"),
    ),
    Rule(
        "Storage > Hard drives",
        (r"(?:internal|external|portable)\s+hard\s+drives?", r"hard\s+(?:disk\s+)?drives?", r"hdds?", r"hd\s+kit",
         r"\d+(?:\.\d+)?k?\s*rpm", r"sata\s+hd", r"disk\s+drive", r"hotswap\s+hd", r"hd\s+kit\s+with\s+caddy", r"(?:2\.5|3\.5)(?:\"|in|\s*inch)\s+(?:sata|sas|serial|scsi|ide)"),
        unless=(r"enclosure", r"cable", r"duplicator", r"dock"),
    ),
    Rule(
        "Storage > Memory cards & readers",
        (r"memory\s+cards?", r"(?:micro)?sd(?:hc|xc)?(?:\s+card)?", r"compactflash", r"card\s+readers?", r"memory\s+stick",
         r"xd-picture"),
    ),
    Rule("Storage > USB flash drives", (r"usb\s+flash\s+drives?", r"flash\s+drives?", r"pen\s+drive", r"usb\s+stick", r"datatraveler",
                                        r"store\s+'n'\s+go")),
    Rule(
        "Storage > Optical drives & discs",
        (r"optical\s+disc\s+drives?", r"dvd[±+-]r(?:w|dl)?", r"cd-r(?:w)?", r"bd-r(?:e)?", r"blu-ray", r"media\s+spindle", r"blank",
         r"dvd\s+writer", r"optical\s+drive", r"optical\s+disc\s+storage\s+box", r"dvd-ram", r"dvd"),
        unless=(r"player", r"tape"),
    ),
    Rule(
        "Storage > Backup, tape & NAS",
        (r"(?:blank\s+)?data\s+tapes?", r"tape\s+(?:cartridge|drive|autoloader|library)", r"lto-?\d?", r"dds-?\d?", r"dat\s*\d+",
         r"magnetic\s+tape\s+cassette", r"disk\s+array", r"nas", r"storage\s+(?:drive\s+)?(?:enclosure|case|server)",
         r"drive\s+enclosure", r"storage\s+networking\s+software", r"cleaning\s+(?:cartridge|tape)", r"hdd\s+(?:enclosure|caddy)",
         r"terastation", r"linkstation", r"duplicator", r"\d*ltx\d+\w*"),
    ),
    # --- Networking.
    Rule(
        "Networking > KVM switches & consoles",
        (r"kvm(?:\s+\w+)?", r"rack(?:mount)?\s+(?:lcd\s+)?console", r"lcd\s+console", r"console\s+(?:server|switch)"),
    ),
    Rule(
        "Networking > Routers & Wi-Fi",
        (r"(?:wireless|wired|mobile|4g|lte)\s+routers?", r"routers?", r"(?:wireless\s+)?access\s+points?", r"range\s+extender",
         r"network\s+extender", r"powerline", r"modems?", r"gateway(?:/controller)?", r"repeater", r"mesh", r"wi-fi\s+system",
         r"network\s+antenna", r"antennas?", r"adsl", r"microfilter", r"base\s+station"),
    ),
    Rule(
        "Networking > Switches",
        (r"network\s+switch(?:\s+(?:module|component))?", r"(?:gigabit|ethernet|poe|managed|unmanaged|smart)\s+switch",
         r"switch(?:es)?", r"network\s+equipment\s+chassis", r"unmanaged", r"managed\s+l[23]"),
        unless=(r"video\s+switch", r"transfer\s+switch", r"kvm"),
    ),
    Rule(
        "Networking > Network adapters & transceivers",
        (r"networking\s+cards?", r"network\s+(?:interface\s+)?(?:card|adapter)s?", r"nic", r"network\s+transceiver\s+modules?",
         r"transceivers?", r"sfp\+?", r"gbic", r"xfp", r"(?:network\s+)?media\s+converters?", r"ethernet\s+adapter",
         r"wireless\s+(?:usb\s+)?adapter", r"bluetooth\s+adapter", r"network\s+splitter", r"network\s+analy[sz]er",
         r"network\s+management\s+card", r"poe\s+(?:injector|adapter)", r"web/snmp", r"wireless\s+lan", r"wlan", r"802\.11\w*"),
    ),
    Rule("Networking > Network adapters & transceivers", attributes={"product_type": r"network\s+interface\s+card"}),
    Rule("Networking > Network adapters & transceivers", (r"\d+\s*mbit/s",)),
    Rule(
        "Networking > Racks & patch panels",
        (r"rack\s+(?:accessory|cabinet|shelf|shelves|enclosure|rail|rails|kit|mount|panel|frame|fan)s?", r"racks?",
         r"netshelter", r"patch\s+panels?", r"blanking\s+panel", r"mounting\s+kit", r"rackmount", r"[0-9]+u", r"netbotz",
         r"inrow", r"security\s+device\s+components", r"baying\s+kit", r"smartrack"),
    ),
    # --- TV, video and cameras.
    Rule("TV & video > Projector lamps", (r"projector\s+lamps?", r"replacement\s+lamp", r"lamp\s+module", r"uhp\s+lamp", r"elplp\d+")),
    Rule(
        "TV & video > Projector accessories",
        (r"projection\s+screens?", r"projector\s+(?:mount|screen)(?:\s+accessory)?", r"project\s+mount", r"projector\s+accessory",
         r"projection\s+lens", r"air\s+filter\s+-\s+elpaf\d+", r"elpaf\d+"),
    ),
    Rule("TV & video > Projectors", (r"(?:data|video|short\s+throw|home\s+cinema)\s+projectors?", r"projectors?", r"beamer")),
    Rule(
        "TV & video > TV & monitor mounts",
        (r"flat\s+panel\s+(?:desk|wall|ceiling|floor)\s+mounts?", r"flat\s+panel\s+(?:mount\s+)?accessory", r"wall\s+mounts?",
         r"ceiling\s+mounts?", r"desk\s+mounts?", r"monitor\s+(?:arm|mount|stand)s?", r"tv\s+(?:mount|bracket|stand)s?",
         r"flat\s+screen\s+(?:\w+\s+)?(?:mount|stand|arm|toolbar)", r"(?:notebook|laptop)\s+(?:cooling\s+)?(?:stand|riser)", r"mount\s+ring", r"display\s+(?:mount|stand)", r"vesa",
         r"floor\s+stand", r"flexarm", r"tft\s+stand", r"fixed\s+mount\s+bracket", r"(?:table|desk)\s+stand",
         r"monitor\s+mounting\s+bracket", r"mounting\s+arm"),
    ),
    Rule(
        "TV & video > TVs & displays",
        (r"tvs?", r"televisions?", r"signage\s+display", r"public\s+display", r"video\s+wall", r"led\s+tv"),
        # Surge strips, headphones, converters and stands named after the TV they serve.
        unless=(r"tv\s+(?:tuner|card|box)", r"outlets?", r"headphones?", r"speakers?", r"converter", r"controller", r"display\s+stand"),
    ),
    Rule("Computers > Monitors", (_SIZE_AND_PIXELS,), unless=(r"camera", r"phone", r"player", r"frame")),
    Rule(
        "TV & video > Media players & video accessories",
        (r"digital\s+media\s+players?", r"media\s+players?", r"video\s+(?:servers?/encoders?|capturing\s+device|switch|splitter|extender|wall\s+controller)", r"tv\s+converter",
         r"digital\s+photo\s+frames?", r"photoframe", r"remote\s+controls?", r"dvd(?:/blu-ray)?\s+player", r"blu-ray\s+player",
         r"set-top\s+box", r"tuner", r"av\s+(?:extender|matrix)", r"video\s+converter", r"scaler", r"av\s+receiver", r"video\s+recorder"),
    ),
    Rule("Cameras > Webcams", (r"webcams?", r"web\s+camera", r"conference\s+camera")),
    Rule(
        "Cameras > Lenses & filters",
        (r"camera\s+lens(?:\s+(?:adapter|filter))?", r"lens(?:es)?", r"ef(?:-s|-m)?\s+\d+(?:-\d+)?\s*mm", r"(?:uv|polari[sz]ing|nd)\s+filter",
         r"lens\s+(?:cap|hood)", r"tele\s*converter", r"extender\s+ef", r"f/\d+(?:\.\d+)?l?",
         r"e[wt]-?\s?\d+"),
        unless=(r"camera\s+kit", r"projection\s+lens", r"lens\s+case"),
    ),
    Rule(
        "Cameras > Camera accessories",
        (r"camera\s+(?:case|bag|remote\s+control|flash(?:\s+accessory)?|accessory|housing)", r"camera(?:\s+\w+){1,2}\s+case", r"underwater\s+camera\s+housing(?:\s+accessory)?",
         r"tripods?", r"flash(?:gun)?", r"battery\s+grip", r"lens\s+case", r"eyepiece(?:\s+extender)?", r"compact\s+case", r"speedlite", r"binoculars?", r"eyepiece\s+accessory", r"monopod", r"gimbal",
         r"soft\s+case"),
        unless=(r"flash\s+drive", r"flash\s+memory", r"action\s+figure"),
    ),
    Rule(
        "Cameras > Cameras & camcorders",
        (r"(?:compact|digital|bridge|mirrorless|slr|dslr|instant|action|security|surveillance|ip|network|cctv)\s+cameras?",
         r"camera\s+kit", r"camcorders?", r"cameras?", r"powershot", r"ixus", r"cyber-shot", r"eos\s+\d+d", r"coolpix", r"lumix",
         r"security\s+access\s+control\s+system"),
        # Accessories the camera rules above missed ("Soft Case f all digital camcorders").
        unless=(r"(?:soft\s+)?case", r"camera\s+filter", r"filter\s+holder"),
    ),
    # --- Audio.
    Rule(
        "Audio > Headphones & headsets",
        (r"headphones?(?:/headset)?", r"headsets?", r"earphones?", r"earbuds?", r"in-ear", r"on-ear", r"over-ear",
         r"ear\s+(?:pads|cushions)"),
    ),
    Rule("Audio > Headphones & headsets", attributes={"product_type": r"^head(?:phones|set)"}),
    Rule(
        "Audio > Speakers",
        (r"(?:portable|docking|soundbar|bluetooth|wireless|pc|multimedia|stereo)\s+speakers?", r"speaker\s+sets?", r"speakers?",
         r"loudspeakers?", r"soundbars?", r"subwoofers?", r"docking\s+entertainment\s+system"),
        unless=(r"speaker\s+(?:mount|stand|bracket|wire)s?", r"loudspeaker\s+stand"),
    ),
    Rule(
        "Audio > Hi-fi, radio & media players",
        (r"radios?", r"home\s+(?:cinema|audio|theater|theatre)\s+(?:system|set)s?", r"cassette\s+player", r"cd\s+player",
         r"micro\s+(?:system|hi-fi)", r"hi-?fi", r"amplifiers?", r"audio\s+module", r"alarm\s+clocks?", r"clock\s+radio",
         r"microphones?", r"turntable", r"car\s+media\s+receiver", r"mp[34]\s+players?", r"gogear", r"ipod", r"walkman",
         r"portable\s+media\s+player", r"voice\s+recorder", r"streamium", r"wireless\s+music"),
    ),
    # --- Phones and wearables.
    Rule(
        "Phones & wearables > Phone cases & accessories",
        (r"mobile\s+phone\s+(?:case|faceplate|holder)s?", r"phone\s+(?:case|cover|holder)s?", r"flip\s+(?:case|cover)",
         r"(?:handheld\s+device|mobile\s+device)\s+accessory", r"holders?", r"holsters?", r"cradles?", r"vent\s+mount",
         r"slimshell", r"(?:hands\s+free\s+)?car\s+kit", r"travel\s+kit", r"ipaq(?:\s+\w+)?\s+cover", r"ram\s+mounts",
         r"folio(?:\s+case)?", r"navigator\s+mount", r"car\s+holder",
         r"selfie\s+stick", r"(?:phone|tablet)(?:\s+and\s+tablet)?\s+stand", r"handheld\s+mobile\s+computer\s+spare\s+part", r"mobile\s+device\s+keyboard"),
    ),
    Rule(
        "Phones & wearables > Phones",
        (r"smartphones?", r"mobile\s+phones?", r"iphone", r"feature\s+phone", r"(?:cordless|dect|corded|ip|voip|conference)\s+phones?",
         r"telephones?", r"handset", r"android\s+\d+(?:\.\d+)?\s+\d+\s*mah", r"dual\s+sim", r"\d+g\s+usb\s+type-c"),
        # A telephone's cords and plugs ("Sandberg Telephone RJ11-RJ11 1.8 m") are cables.
        unless=(r"rj-?11\S*",),
    ),
    Rule("Phones & wearables > Wearables & GPS", (r"smartwatch(?:es)?", r"activity\s+trackers?", r"fitness\s+tracker", r"sports\s+watch",
                                                  r"navigators?", r"gps")),
    # --- Software, filed under Computers: it is mostly licences for computers and network gear.
    Rule(
        "Computers > Software",
        (r"software(?:\s+license/upgrade)?", r"licen[cs]es?", r"operating\s+system", r"antivirus", r"e-icard", r"\d+\s+nodes",
         r"windows\s+(?:server|10|11|7)\s+(?:pro|home|professional|standard|datacenter)", r"upgrade"),
    ),
    # --- Office supplies.
    Rule(
        "Office supplies > Office equipment",
        (r"calculators?", r"staplers?(?:\s+unit)?", r"staples", r"hole\s+punch(?:\s+accessory)?", r"paper\s+(?:cutter|shredder)s?",
         r"shredders?", r"laminat(?:or|ion)\s+(?:pouch|film)(?:es)?", r"laminators?", r"binding\s+machine", r"labelmanager",
         r"document\s+holder", r"cash\s+drawer", r"barcode\s+readers?", r"whiteboards?", r"smart\s+cards?", r"footrest",
         r"keyboard\s+drawer", r"glue\s+dispenser", r"cutter\s+blade"),
    ),
    Rule(
        "Office supplies > Filing & stationery",
        (r"ring\s+binders?", r"folders?", r"file\s+storage\s+box", r"report\s+cover", r"tab\s+index", r"notebook\s+a[4-6]",
         r"writing\s+notebook", r"greeting/sympathy\s+card", r"envelopes?", r"storage\s+(?:box|tray)", r"mybox", r"photo\s+corners", r"lever\s+arch", r"dividers?",
         r"document\s+wallet", r"clipboard", r"desk\s+organi[sz]er", r"letter\s+tray", r"magazine\s+file", r"pockets?",
         r"expanding", r"postpack"),
    ),
    # --- Home appliances (mostly Philips) and personal care.
    Rule(
        "Home & personal care > Personal care",
        (r"shavers?", r"shaver\s+accessory", r"(?:hair|beard|precision|nose|body)\s+(?:trimmers?|clippers?|groomer)(?:/clipper)?",
         r"trimmers?", r"clippers?", r"epilators?", r"hair\s*(?:dryer|styling\s+tool|straightener|rollers|wig|trimmer\s+accessory)",
         r"body\s+groomer(?:/shaver)?", r"electric\s+toothbrush", r"toothbrush", r"oral\s+irrigator", r"light\s+depilation",
         r"makeup/manicure\s+case", r"sonicare", r"philishave", r"curler", r"straightener", r"multigroom", r"shaving\s+heads?",
         r"razor", r"norelco"),
    ),
    Rule(
        "Home & personal care > Kitchen appliances",
        (r"coffee\s+(?:maker|machine)(?:\s+part/accessory)?s?", r"espresso", r"senseo", r"kettles?", r"blenders?(?:\s+accessory)?",
         r"food\s+processors?", r"toasters?", r"slow\s+cookers?", r"microwaves?", r"juicers?", r"citrus\s+press", r"milk\s+frother",
         r"contact\s+grill", r"bread\s+maker", r"mixers?", r"airfryer", r"fryer", r"grater", r"cooker", r"pan\s+set",
         r"electric\s+knife", r"hob", r"soup\s+maker", r"pasta\s+maker", r"grinder", r"water\s+filter(?:\s+supply)?",
         r"kitchen\s+scale", r"grill", r"plancha", r"chocolate\s+fountain", r"filter\s+cartridges"),
    ),
    Rule("Home & personal care > Kitchen appliances", attributes={"product_type": r"coffee|espresso|fryer|grinder"}),
    Rule(
        "Home & personal care > Household appliances & lighting",
        (r"(?:robot|handheld|stick)\s+vacuums?", r"vacuum(?:\s+(?:cleaner|accessory/supply|accessory))?",
         r"steam\s+(?:ironing\s+station|iron|generator)", r"irons?(?!\s+on)", r"garment\s+steamer", r"(?:household\s+)?fans?",
         r"washing\s+machine", r"washer\s+dryer", r"fridge(?:-freezer)?", r"fridge\s+part/accessory", r"refrigerator", r"dishwasher",
         r"air\s+(?:purifier|humidifier)", r"humidifier", r"exhaust\s+filter", r"hepa", r"dust\s+bags?", r"heaters?",
         r"garden\s+pond/fountain", r"self-balancing\s+scooter", r"car\s+roof\s+rack\s+accessory", r"(?:car\s+light|halogen|"
         r"fluorescent|led|incandescent)\s+bulbs?", r"bulbs?", r"lamps?", r"light\s+strip", r"flashlight", r"torch", r"ultraviolet"),
    ),
    # --- Toys and games.
    Rule(
        "Toys & games > Dolls & playsets",
        (r"dolls?(?:\s+accessory|\s+house)?", r"doll\s+\w+", r"playsets?", r"toy\s+playset", r"sylvanian", r"barbie", r"figures?\s+sets?",
         r"children\s+toy\s+figure(?:\s+set)?", r"play\s+set", r"dollhouse", r"stuffed\s+toy", r"plush", r"teddy", r"toy\s+animals?",
         r"l\.o\.l\.", r"dress\s+up\s+set", r"baby\s+(?:annabell|born)"),
    ),
    Rule("Toys & games > Dolls & playsets", attributes={"product_type": r"doll|toy"}),
    Rule(
        "Toys & games > Outdoor & learning toys",
        (r"learning\s+toy", r"motor\s+skills\s+toy", r"baby", r"toddler", r"rattle", r"educational", r"swings?", r"slide",
         r"play\s+tower", r"climbing\s+frame", r"playhouse", r"sandbox", r"trampoline"),
    ),
    Rule("Toys & games > Outdoor & learning toys", attributes={"product_type": r"playhouse"}),
    Rule(
        "Toys & games > Vehicles & action toys",
        (r"toy\s+vehicles?", r"paw\s+patrol", r"vehicles?", r"truck", r"cars?", r"robot", r"action\s+figure", r"hatchimals",
         r"bakugan", r"launcher", r"drone", r"zoomer"),
        unless=(r"car\s+(?:light|media|roof|holder|charger)", r"robot\s+vacuum", r"\d+\s+pieces"),
    ),
    Rule("Toys & games > Games & puzzles", (r"board\s+games?", r"puzzles?", r"card\s+games?", r"games?", r"jigsaw", r"rubik",
                                            r"\d+\s+pieces", r"wasgij")),
    Rule(
        "Toys & games > Arts & crafts",
        (r"crayons?", r"felt\s+pens?", r"colou?r(?:ing)?\s+pencils?", r"paint\s+markers?", r"(?:washable\s+finger|water\s+based)\s+paint",
         r"sticker\s+book", r"iron\s+on\s+beads", r"beads", r"craft", r"modelling\s+clay", r"play-?doh", r"kinetic\s+sand", r"slime",
         r"chalk", r"markers?", r"aquabeads", r"colouring\s+book", r"nail\s+(?:stamper|polish|art)"),
    ),
    # --- Fallbacks on Icecat's own "type" attribute, for titles that are bare model numbers.
    Rule("Printing > Toner cartridges", attributes={"type": r"^original$", "print_technology": "laser"}),
    Rule("Storage > Hard drives", attributes={"type": r"^hdd$"}),
    Rule("Storage > Optical drives & discs", attributes={"type": r"^(?:dvd|bd|cd)[-+]"}),
    Rule("Toys & games > Games & puzzles", attributes={"type": r"jigsaw"}),
    Rule("Office supplies > Office equipment", attributes={"type": r"staples"}),
    Rule("Office supplies > Labels & label tapes", attributes={"label_size": None}),
    Rule("Cameras > Lenses & filters", attributes={"filter_size": None}),
    Rule("Computers > Security locks & privacy filters", attributes={"type": r"privacy\s+filter|screen\s+protector"}),
    Rule("Batteries & power > Power adapters & chargers", attributes={"type": r"charger"}),
)
# fmt: on

_COMPILED = tuple(
    _CompiledRule(
        path=rule.path,
        title=_words(rule.title),
        unless=_words(rule.unless),
        attributes=tuple(
            (key, None if pattern is None else re.compile(pattern, re.IGNORECASE))
            for key, pattern in rule.attributes.items()
        ),
    )
    for rule in RULES
)


def categorize(title: str, attributes: Mapping | None = None) -> str | None:
    """The category path ("Parent > Leaf") of the first rule the product matches, or None."""
    attributes = attributes or {}
    for rule in _COMPILED:
        if rule.matches(title, attributes):
            return rule.path
    return None


def split_path(path: str) -> list[str]:
    """'Cables > HDMI cables' -> ['Cables', 'HDMI cables']; also accepts '/' as separator."""
    separator = ">" if ">" in path else "/"
    return [part.strip() for part in path.split(separator) if part.strip()]


def leaf_paths() -> list[str]:
    """Every category path the rules can assign, in rule order, without repeats."""
    return list(dict.fromkeys(rule.path for rule in RULES))


# Words that never name a product type; skipping them leaves the type phrase of a title.
_NOISE = re.compile(
    r"^(?:[\d.,/x\"'()-]+|\w*\d\w*|original|black|white|pc\(s\)|and|for|with|the)$", re.IGNORECASE
)


def title_pattern(title: str, brand: str = "") -> str:
    """The first three meaningful words of a title after its brand: groups similar titles."""
    if brand and title.lower().startswith(brand.lower()):
        title = title[len(brand) :]
    words = [word for word in title.split() if not _NOISE.match(word)]
    return " ".join(words[:3]).lower()


def uncategorised_patterns(
    products: Iterable[tuple[str, str, Mapping]], top: int = 30
) -> list[tuple[str, int]]:
    """The most frequent title patterns among (title, brand, attributes) that no rule matches."""
    counts = Counter(
        title_pattern(title, brand)
        for title, brand, attributes in products
        if categorize(title, attributes) is None
    )
    return counts.most_common(top)
