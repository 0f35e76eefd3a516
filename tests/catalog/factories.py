"""Rows in the generic JSON Lines format, and a tiny catalog loaded through the real importer."""

from catalog.importers.loader import ProductLoader
from catalog.importers.records import SourceRow


def product_row(**overrides) -> dict:
    row = {
        "id": "SKU-1",
        "title": "Sony WH-1000XM4 wireless headphones Black",
        "description": "Noise-cancelling over-ear headphones.",
        "brand": "Sony",
        "price": 279.99,
        "currency": "USD",
        "stock": 12,
        "image_url": "https://images.example.com/sku-1.jpg",
        "attributes": {
            "product_colour": "Black",
            "connectivity_technology": "Wireless",
            "battery_life_max": 30,
        },
        "rating": 4.6,
        "review_count": 120,
        "sales_count": 900,
        "shop": "Sony Official Store",
    }
    return {**row, **overrides}


SMALL_CATALOG = [
    product_row(),
    product_row(id="SKU-2", title="Bose QuietComfort 45 headphones White", brand="Bose", price=249, sales_count=400,
                shop="Audio Shop", attributes={"product_colour": "White", "connectivity_technology": "Wireless"}),
    product_row(id="SKU-3", title="HP 305A toner cartridge Original Cyan", brand="HP", price=89.5, sales_count=50,
                shop="HP Official Store", attributes={"printing_colours": "Cyan", "colour_toner_page_yield": 2600}),
    product_row(id="SKU-4", title="Lexmark C540H1CG toner cartridge Original Cyan", brand="Lexmark", price=75,
                sales_count=10, shop="Audio Shop", attributes={"printing_colours": "Cyan"}),
    product_row(id="SKU-5", title="C2G 2m HDMI cable Black", brand="C2G", price=9.99, sales_count=3000,
                shop="Audio Shop", attributes={"cable_length": 2.0, "product_colour": "Black"}),
    product_row(id="SKU-6", title="StarTech.com 1m HDMI cable Gray", brand="StarTech.com", price=7.5, sales_count=0,
                shop="HP Official Store", attributes={"cable_length": 1.0}),
]  # fmt: skip


def load_rows(rows: list[dict]) -> None:
    report = ProductLoader(index=False).load(
        SourceRow(f"row {i}", row) for i, row in enumerate(rows, start=1)
    )
    assert not report.skipped, report.skipped
