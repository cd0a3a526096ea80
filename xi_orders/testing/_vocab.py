"""Word lists the seeded data is drawn from: vendors and their products, warehouses,
carriers, names, companies, streets, cities, resellers, currencies.

Plain constants only: imports nothing, knows nothing of orders or HTTP.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------- vocabulary

#: (vendor name, vendor number, product lines: (description, min price, max price, kind))
#: kind: "hw" (serialized hardware), "acc" (accessory, no serials), "sw" (licence / service)
_VENDORS: tuple[tuple[str, str, str, tuple[tuple[str, int, int, str], ...]], ...] = (
    (
        "CISCO - HW NETWORKING",
        "C102",
        "CS",
        (
            ("CATALYST 24P POE+ 4X1G SWITCH", 1400, 4200, "hw"),
            ("MERAKI WI-FI 6 ACCESS POINT", 520, 1150, "hw"),
            ("ISR 1100 4P DSL ANNEX M ROUTER", 780, 1650, "hw"),
            ("SMARTNET 8X5XNBD 1YR SVC", 90, 640, "sw"),
        ),
    ),
    (
        "HP INC - NOTEBOOKS",
        "H210",
        "HP",
        (
            ("ELITEBOOK 840 G10 I7 16GB 512GB", 1180, 1890, "hw"),
            ("PROBOOK 450 G10 I5 8GB 256GB", 720, 1090, "hw"),
            ("USB-C DOCK G5", 160, 240, "acc"),
            ("CARE PACK 3YR NBD ONSITE", 110, 260, "sw"),
        ),
    ),
    (
        "LENOVO - DESKTOPS",
        "L330",
        "LN",
        (
            ("THINKCENTRE M70Q TINY I5 16GB", 640, 980, "hw"),
            ("THINKPAD T14 GEN 4 R7 16GB", 1010, 1520, "hw"),
            ("THINKVISION T24I 23.8IN MONITOR", 170, 260, "hw"),
            ("PREMIER SUPPORT 3YR", 95, 220, "sw"),
        ),
    ),
    (
        "DELL TECHNOLOGIES",
        "D190",
        "DL",
        (
            ("LATITUDE 5440 I5 16GB 512GB", 890, 1390, "hw"),
            ("POWEREDGE R660XS 2U SERVER", 3900, 8800, "hw"),
            ("P2423D 24IN QHD MONITOR", 210, 330, "hw"),
            ("PROSUPPORT PLUS 3YR", 180, 520, "sw"),
        ),
    ),
    (
        "MICROSOFT - SOFTWARE",
        "M455",
        "MS",
        (
            ("M365 BUSINESS STANDARD 1YR", 120, 160, "sw"),
            ("WINDOWS SERVER 2022 STD 16C", 880, 1120, "sw"),
            ("SURFACE PRO 9 I5 8GB 256GB", 980, 1390, "hw"),
        ),
    ),
    (
        "LOGITECH - PERIPHERALS",
        "G078",
        "LG",
        (
            ("MX KEYS BUSINESS KEYBOARD", 85, 120, "acc"),
            ("MX MASTER 3S MOUSE GRAPHITE", 75, 105, "acc"),
            ("RALLY BAR VIDEO CONFERENCE", 2600, 3900, "hw"),
            ("ZONE WIRELESS 2 HEADSET", 190, 260, "acc"),
        ),
    ),
    (
        "APC BY SCHNEIDER ELECTRIC",
        "A521",
        "AP",
        (
            ("SMART-UPS 1500VA LCD RM 2U", 720, 1190, "hw"),
            ("BACK-UPS PRO 1000VA", 170, 260, "hw"),
            ("NETSHELTER 42U RACK ENCLOSURE", 1300, 2300, "acc"),
        ),
    ),
    (
        "ZEBRA TECHNOLOGIES",
        "Z340",
        "ZB",
        (
            ("TC52 MOBILE COMPUTER ANDROID", 980, 1450, "hw"),
            ("ZD421 DIRECT THERMAL PRINTER", 360, 520, "hw"),
            ("ONECARE ESSENTIAL 3YR", 120, 310, "sw"),
        ),
    ),
    (
        "FORTINET",
        "F612",
        "FT",
        (
            ("FORTIGATE 60F NGFW APPLIANCE", 520, 890, "hw"),
            ("FORTICARE 24X7 UTP BUNDLE 1YR", 310, 780, "sw"),
        ),
    ),
    (
        "SAMSUNG - DISPLAYS",
        "S277",
        "SG",
        (
            ("ODYSSEY G5 27IN QHD MONITOR", 240, 380, "hw"),
            ("GALAXY TAB ACTIVE5 128GB", 520, 690, "hw"),
        ),
    ),
)

#: (warehouse id, location)
WAREHOUSES: tuple[tuple[str, str], ...] = (
    ("10", "Mira Loma, CA"),
    ("30", "Millington, TN"),
    ("40", "Carrollton, TX"),
    ("80", "Jonestown, PA"),
    ("91", "Chicago, IL"),
)

#: (carrier code, carrier name, tracking style)
CARRIERS: tuple[tuple[str, str, str], ...] = (
    ("RG", "FEDEX GROUND", "fedex"),
    ("F1", "FEDEX PRIORITY OVERNIGHT", "fedex"),
    ("UG", "UPS GROUND", "ups"),
    ("U2", "UPS 2ND DAY AIR", "ups"),
    ("O1", "ONTRAC", "ontrac"),
)
VIRTUAL_CARRIER = ("VL", "VIRTUAL")

_TRACKING_URLS = {
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={}",
    "ups": "https://www.ups.com/track?tracknum={}",
    "ontrac": "https://www.ontrac.com/tracking/?number={}",
}

_FIRST = (
    "JAMIE",
    "ALEX",
    "MORGAN",
    "PRIYA",
    "DANIEL",
    "SOFIA",
    "MARCUS",
    "ELENA",
    "KENJI",
    "GRACE",
    "OMAR",
    "LUCIA",
    "TREVOR",
    "NADIA",
    "CALEB",
    "HANNAH",
    "VIKRAM",
    "ROSA",
)
_LAST = (
    "HOLLOWAY",
    "NAKAMURA",
    "OKAFOR",
    "LINDQVIST",
    "BRENNAN",
    "CASTILLO",
    "WEXLER",
    "PATEL",
    "DUBOIS",
    "MCALLISTER",
    "FONTAINE",
    "ABERNATHY",
    "SOKOLOV",
    "REYES",
)
_CO_A = (
    "NORTHWIND",
    "BLUE HERON",
    "SUMMIT RIDGE",
    "PIONEER",
    "CEDAR POINT",
    "IRONGATE",
    "LAKESHORE",
    "SILVER OAK",
    "REDSTONE",
    "HARBORVIEW",
    "GRANITE PEAK",
    "MERIDIAN",
)
_CO_B = (
    "HEALTH SYSTEM",
    "LOGISTICS LLC",
    "SCHOOL DISTRICT",
    "CREDIT UNION",
    "ENGINEERING",
    "DENTAL GROUP",
    "MANUFACTURING",
    "LAW OFFICES",
    "COUNTY CLERK",
    "HOSPITALITY INC",
)
_STREETS = (
    "MAPLE AVE",
    "INDUSTRIAL PKWY",
    "W 98TH ST",
    "COMMERCE DR",
    "RIVERSIDE BLVD",
    "OLD MILL RD",
    "HARBOR WAY",
    "N CENTRAL EXPY",
    "PEACHTREE ST NE",
    "SUNSET BLVD",
)
#: (city, state, ZIP prefix)
_CITIES = (
    ("BUFFALO", "NY", "142"),
    ("LENEXA", "KS", "662"),
    ("SANTA ANA", "CA", "927"),
    ("AUSTIN", "TX", "787"),
    ("COLUMBUS", "OH", "432"),
    ("DENVER", "CO", "802"),
    ("RALEIGH", "NC", "276"),
    ("TAMPA", "FL", "336"),
    ("PORTLAND", "OR", "972"),
    ("MADISON", "WI", "537"),
    ("NASHVILLE", "TN", "372"),
    ("SCOTTSDALE", "AZ", "852"),
)
_RESELLERS = (
    "BRIGHTPATH IT SOLUTIONS",
    "CORELINE TECHNOLOGY PARTNERS",
    "VANTAGE POINT SYSTEMS",
    "ALLIED DIGITAL SERVICES",
    "KESTREL NETWORKS",
)

CURRENCIES = {
    "US": "USD",
    "CA": "CAD",
    "GB": "GBP",
    "AU": "AUD",
    "NZ": "NZD",
    "IN": "INR",
    "DE": "EUR",
    "FR": "EUR",
    "ES": "EUR",
    "IT": "EUR",
    "NL": "EUR",
    "BE": "EUR",
}
