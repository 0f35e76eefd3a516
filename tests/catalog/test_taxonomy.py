"""The declared taxonomy rules: coverage over the full real catalog, and precise cases."""

import pytest

from catalog import taxonomy
from catalog.importers.chorus import iter_chorus
from catalog.management.commands.load_catalog import CHORUS_DIR

COVERAGE_FLOOR = 0.95


@pytest.fixture(scope="module")
def chorus_products():
    return [
        row.fields for path in sorted(CHORUS_DIR.glob("products-*.json.zip")) for row in iter_chorus(path)
    ]


def test_rules_categorise_at_least_95_percent_of_the_real_catalog(chorus_products):
    # given every Chorus title and its attributes
    assert len(chorus_products) > 19_000

    # when the rules are applied
    paths = [taxonomy.categorize(p["title"], p["attributes"]) for p in chorus_products]

    # then the share with a category is above the floor, and the rules use a sane number of leaves
    share = sum(path is not None for path in paths) / len(paths)
    gaps = taxonomy.uncategorised_patterns((p["title"], p["brand"], p["attributes"]) for p in chorus_products)
    assert share >= COVERAGE_FLOOR, f"{share:.1%} categorised; top gaps: {gaps[:10]}"
    used = {path for path in paths if path}
    assert 30 <= len(used) <= 80
    assert 8 <= len({path.split(" > ")[0] for path in used}) <= 14


@pytest.mark.parametrize(
    ("title", "attributes", "expected"),
    [
        ("Xerox 006R90321 toner cartridge Original Black 6 pc(s)", {}, "Printing > Toner cartridges"),
        ("HP 55X Original Black 1 pc(s)", {"black_toner_page_yield": 12500.0}, "Printing > Toner cartridges"),
        ("HP 901 Original Black", {"ink_type": "Pigment-based ink"}, "Printing > Ink cartridges"),
        # Printers carry their supplies' attributes; their titles say what they are.
        (
            "HP LaserJet 4600n Colour 600 x 600 DPI A4",
            {"print_technology": "Laser", "printing_colours": "Black,Cyan,Magenta,Yellow"},
            "Printing > Printers & scanners",
        ),
        (
            "HP LaserJet M3027x Laser 1200 x 1200 DPI 25 ppm A4",
            {"black_toner_page_yield": 6000.0},
            "Printing > Printers & scanners",
        ),
        (
            "HP Photosmart Pro B9180 Photo Printer inkjet printer",
            {"print_technology": "Inkjet", "printing_colours": "Cyan,Magenta,Yellow"},
            "Printing > Printers & scanners",
        ),
        (
            "HP 82 Original Cyan",
            {"print_technology": "Inkjet", "printing_colours": "Cyan"},
            "Printing > Ink cartridges",
        ),
        ("Xerox Waste Toner Container 31000 pages", {}, "Printing > Printer parts & maintenance"),
        # Misfiles audit_categories found: a type word inside another product's name.
        (
            "Xerox Drum Kit WorkCentre 5225/5230 Original Black",
            {"black_toner_page_yield": 80000},
            "Printing > Drums & imaging units",
        ),
        ("LevelOne 8-Port PS/2-USB VGA KVM Switch", {}, "Networking > KVM switches & consoles"),
        ("HP 3y Nbd LaserJet P2035/55 HW Supp", {}, "Computers > Warranties & support"),
        ("Chief Widescreen Quad Monitor Table Stand Black", {}, "TV & video > TV & monitor mounts"),
        ("Canon Soft Case f all digital camcorders Black", {}, "Cameras > Camera accessories"),
        # HP's Photosmart line names printers and digital cameras (and the cameras' cases).
        ("HP Photosmart M525 Digital Camera", {}, "Cameras > Cameras & camcorders"),
        ("HP Photosmart Digital Camera Black Sport Case", {}, "Cameras > Camera accessories"),
        # A printer's memory is memory; a printer that lists its memory is a printer.
        ("Xerox 64MB Additional Memory for Phaser 3500 memory module", {}, "Computer components > Memory"),
        (
            "Xerox Phaser 3250V Laser Printer, 28ppm, 1200 dpi Image Quality, Ps3, 32Mb Memory, USB",
            {},
            "Printing > Printers & scanners",
        ),
        (
            "StarTech.com 85x70x50mm Socket 478 CPU Cooler Fan with Heatsink & TX3 Connector",
            {},
            "Computer components > Cases & cooling",
        ),
        # Peripherals named for the notebook, handheld or TV they serve are not that device.
        (
            "Philips Notebook headset SHM3100U/10",
            {"product_type": "Headset"},
            "Audio > Headphones & headsets",
        ),
        ("Philips Notebook webcam SPZ6500/00", {}, "Cameras > Webcams"),
        ("HP Notebook QuickDock", {}, "Computers > Docking stations & hubs"),
        (
            "StarTech.com 15 in Laptop Privacy Screen - 16:10 Aspect Ratio - For MacBooks",
            {},
            "Computers > Security locks & privacy filters",
        ),
        (
            "Kensington SmartFit™ Easy Riser™ Laptop Cooling Stand",
            {"product_type": "Notebook stand"},
            "TV & video > TV & monitor mounts",
        ),
        ("HP 3 year Pickup and Return Notebook Only Service Bundle", {}, "Computers > Warranties & support"),
        ("Lenovo IdeaPad S540", {"product_type": "Notebook"}, "Computers > Laptops"),
        ("HP iPAQ 200 Holster Leather Black", {}, "Phones & wearables > Phone cases & accessories"),
        ("HP iPAQ 500 Series Hands Free Car Kit", {}, "Phones & wearables > Phone cases & accessories"),
        ("Logitech Slim Folio For iPad Air (3rd gen)", {}, "Phones & wearables > Phone cases & accessories"),
        ("HP iPAQ 214 Enterprise Handheld handheld mobile computer", {}, "Computers > Tablets & handhelds"),
        ("Philips Indoor Corded TV Headphone SHP1800/00", {}, "Audio > Headphones & headsets"),
        (
            "APC Essential SA 5 TV, GR 5 AC outlet(s) 230 V 1.8 m",
            {},
            "Batteries & power > Power distribution & surge protection",
        ),
        ("Sandberg Telephone RJ11-RJ11 1.8 m", {}, "Cables > Network cables"),
        ("HP Flat Panel Speaker Bar TV/Monitor speakers", {}, "Audio > Speakers"),
        ("Kensington SmartFit® Monitor & Laptop Mounting Arm", {}, "TV & video > TV & monitor mounts"),
        # Epson's Stylus Pro is a printer line; a label maker's layout is not a keyboard.
        ("Epson Stylus Pro 3880", {}, "Printing > Printers & scanners"),
        ("DYMO LabelManager ™ 210D QWERTY", {}, "Office supplies > Office equipment"),
        ("HP Pro Pen G1 stylus pen Black 10.7 g", {}, "Computers > Keyboards & mice"),
        # A waste toner container states a page yield; a thin client names its server software.
        (
            "Xerox Waste Toner Catridge (20000 pages)",
            {"black_toner_page_yield": 20000},
            "Printing > Printer parts & maintenance",
        ),
        (
            "HP BM490AA Thin Client Black Windows MultiPoint Server 2011 135.7 g",
            {},
            "Computers > Desktops & workstations",
        ),
        ('HP Photosmart R727 Compact camera 6.4 MP CCD 1/2.5" Silver', {}, "Cameras > Cameras & camcorders"),
        # A KVM switch sold with its cables is a switch; a cable for one is a KVM cable.
        (
            "StarTech.com 2 Port USB VGA Cable KVM Switch with Audio",
            {},
            "Networking > KVM switches & consoles",
        ),
        (
            "Tripp Lite Daisychain Cable for NetDirector KVM Switch B020-Series and KVM B022-Series, 4.57 m",
            {},
            "Cables > KVM & computer cables",
        ),
        ("APC Power Cord Kit Black 0.61 m NEMA 5-15P", {}, "Cables > Power cables"),
        (
            "Manhattan USB-A to USB-A Extension Cable, 3m, Male to Female, 480 Mbps (USB 2.0), Translucent Silver, Polybag",
            {},
            "Cables > USB cables",
        ),
        ("StarTech.com BNC to F Type Coaxial Adapter M/F", {}, "Cables > Cable adapters & couplers"),
        ("Lenovo Gemplus GemPC USB Smart card reader", {}, "Storage > Memory cards & readers"),
        # A word another leaf owns, in a title that says what it is.
        (
            "Spin Master DC Comics, 12-Inch THE FLASH Action Figure",
            {},
            "Toys & games > Vehicles & action toys",
        ),
        ("Falcon de luxe The Car Show 1000 pieces", {}, "Toys & games > Games & puzzles"),
        (
            "Philips HS8020 with battery indicator NIVEA FOR MEN shaver",
            {},
            "Home & personal care > Personal care",
        ),
        (
            "Verbatim 16x DVD-R Media - 4.7GB - Ink Jet Printable 50 pc(s)",
            {},
            "Storage > Optical drives & discs",
        ),
        (
            "HP Photosmart Car DC Adapter power adapter/inverter",
            {},
            "Batteries & power > Power adapters & chargers",
        ),
        ("HP 91 DesignJet Maintenance Cartridge", {}, "Printing > Printer parts & maintenance"),
        ("Philips Speaker wire SWA2105W/10", {}, "Cables > Audio cables"),
        (
            "Philips SQB1111/17 speaker mount Ceiling,Floor,Table,Wall Black",
            {},
            None,
        ),  # no mounts leaf for audio
        (
            "Origin Storage 500GB Latitude E6400 BLK 2.5in 5400Rpm Main/1st SATA HD Kit",
            {},
            "Storage > Hard drives",
        ),
        ("Xerox 1 year - On-site - Phaser 5500", {}, "Computers > Warranties & support"),
        (
            "KYOCERA TK-875Y Original Yellow",
            {"colour_toner_page_yield": 12000},
            "Printing > Toner cartridges",
        ),
        (
            "Tripp Lite PS/2 (3-in-1) Cable Kit for KVM Switch B007-008, 1.83 m",
            {},
            "Cables > KVM & computer cables",
        ),
        ("HP 16X/48X SATA DVD-ROM Drive optical disc drive", {}, "Storage > Optical drives & discs"),
        # Console gear before the cases, switches and discs its titles name.
        (
            "Bigben Interactive Switch Pack III Hardshell case Nintendo Black",
            {},
            "Toys & games > Video games & consoles",
        ),
        ("Sony Playstation 3 Slim 250 GB Blu-ray Pack Black", {}, "Toys & games > Video games & consoles"),
        ("LevelOne 16-Port Gigabit Switch", {}, "Networking > Switches"),
        ("L.O.L. Surprise! OMG Doll Lights Series- AA- Angles", {}, "Toys & games > Dolls & playsets"),
        (
            'HP Roller Case notebook case 43.2 cm (17") Trolley case Black',
            {},
            "Computers > Laptop bags & cases",
        ),
        (
            "HERMA Labels Premium A4 70x37 mm white paper matt 2400 pcs.",
            {},
            "Office supplies > Labels & label tapes",
        ),
        (
            "StarTech.com 5m Duplex MM Fiber Optic Cable LC-SC fibre optic cable Orange",
            {},
            "Cables > Fibre optic cables",
        ),
        ("C2G 1.5m Cat6 Booted Unshielded (UTP) Network Patch Cable - Black", {}, "Cables > Network cables"),
        ("Tripp Lite USB 2.0 Hi-Speed A/B Cable (M/M), 1.83 m (6-ft.)", {}, "Cables > USB cables"),
        (
            "Urban Factory Mouse Small Jerry's, Retractable USB cable, 800dpi, Pink",
            {},
            "Computers > Keyboards & mice",
        ),
        (
            "StarTech.com 6 ft PS/2 Keyboard or Mouse Extension Cable - M/F",
            {},
            "Cables > KVM & computer cables",
        ),
        (
            "Tripp Lite 16-Outlet Vertical Power Strip, 15-ft. Cord, 5-15P, 48 in.",
            {},
            "Batteries & power > Power distribution & surge protection",
        ),
        ('Lenovo ThinkBook 15 Notebook Gray 39.6 cm (15.6") 1920 x 1080 pixels', {}, "Computers > Laptops"),
        (
            'Case Logic VLS-110 notebook case 25.4 cm (10") Sleeve case Black',
            {},
            "Computers > Laptop bags & cases",
        ),
        # An accessory named after a laptop or a printer is filed as the accessory.
        ("StarTech.com Black USB Powered Laptop Cooler", {}, "Computer components > Cases & cooling"),
        # "KBD" is how the spare-part makers abbreviate a laptop's own keyboard.
        (
            "Origin Storage Laptop Internal US INTL KBD for D410",
            {},
            "Computers > Keyboards & mice",
        ),
        (
            "StarTech.com 10 ft DB25 to Centronics 36 Parallel Printer Cable - M/M",
            {},
            "Cables > KVM & computer cables",
        ),
        (
            "Canon PIXMA iP100 + Battery inkjet printer Colour 9600 x 2400 DPI A4",
            {},
            "Printing > Printers & scanners",
        ),
        ("DELL PowerEdge R440 server Intel Xeon Silver 2.1 GHz 16 GB DDR4-SDRAM", {}, "Computers > Servers"),
        ("Intel Xeon E5320 processor 1.86 GHz Box 8 MB L2", {}, "Computer components > Processors"),
        ("Acer EC.J6000.001 projector lamp 230 W P-VIP", {}, "TV & video > Projector lamps"),
        ("Canon EF 100mm f/2.0 USM Black", {}, "Cameras > Lenses & filters"),
        ("Philips SPA2600/00 speaker set 5.1 channels", {}, "Audio > Speakers"),
        (
            "Philips HAIRCLIPPER Series 1000 Hair clipper QC5070/80",
            {},
            "Home & personal care > Personal care",
        ),
        (
            "Castorland Kittens Play Time 1500 pcs Jigsaw puzzle 1500 pc(s)",
            {},
            "Toys & games > Games & puzzles",
        ),
        # drives named after the chassis or server they fit are drives
        (
            "Origin Storage 2TB Desktop 3.5in SATA HD kit 7200Rpm Dell Rev2 DT ChassiS",
            {},
            "Storage > Hard drives",
        ),
        (
            "Origin Storage 500Gb Desktop 3.5in SATA HD kit7200Rpm Dell Rev2 SF chassis",
            {},
            "Storage > Hard drives",
        ),
        (
            "Origin Storage 2TB 7.2k PowerEdge R/T x10 Series 3.5in SATA Hotswap HD w/ Caddy",
            {},
            "Storage > Hard drives",
        ),
        ("Origin Storage 146GB 15k Hot Swap HDD for Poweredge 1550/ 1650/ 1750", {}, "Storage > Hard drives"),
        # a product line named like a medium ("Canvas") is the product its type says
        (
            "Kingston Technology Canvas Go! Plus memory card 128 GB MicroSD Class 10 UHS-I",
            {},
            "Storage > Memory cards & readers",
        ),
        ("Canon PP-201 photo paper Glossy", {}, "Printing > Paper & print media"),
        # and the chassis and servers themselves keep their leaves
        ("Supermicro FIXED HDD TRAY FOR CSE-846S 4U CHASSIS", {}, "Computer components > Cases & cooling"),
        (
            "DELL PowerEdge R640 server Intel Xeon Silver 2.2 GHz 16 GB DDR4-SDRAM Rack (1U) 750 W",
            {},
            "Computers > Servers",
        ),
    ],
)
def test_precise_rules(title, attributes, expected):
    assert taxonomy.categorize(title, attributes) == expected


def test_an_unknown_product_gets_no_category_rather_than_a_junk_bucket():
    assert taxonomy.categorize("Acme XJ-9000", {}) is None


def test_paths_split_with_either_separator():
    assert taxonomy.split_path("Cables > HDMI cables") == ["Cables", "HDMI cables"]
    assert taxonomy.split_path("Cables/HDMI cables") == ["Cables", "HDMI cables"]
