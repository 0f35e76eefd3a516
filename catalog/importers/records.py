"""The generic product record (data/README.md) and its validation.

Every source (Chorus, JSON Lines) is turned into a plain dict in the generic format and
validated here, once, so all sources obey the same rules. A bad field raises `RowError`
naming the field; the loader skips the row and reports it, it never aborts the import.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone

from catalog import taxonomy
from catalog.models import Product

MAX_PRICE = Decimal("9999999999.99")  # Product.price: 12 digits, 2 decimals
_validate_url = URLValidator(schemes=["http", "https"])


class RowError(ValueError):
    """A row that cannot be imported; the message says which field and why."""


class SourceRow(NamedTuple):
    """One raw row from a source: where it came from ("line 17"), its fields, or why it is unreadable."""

    location: str
    fields: object
    error: str | None = None


@dataclass(frozen=True)
class ProductRecord:
    external_id: str
    title: str
    description: str
    brand: str | None
    category_path: tuple[str, ...] | None
    category_source: str  # Product.CategorySource: named by the row, or derived by the rules
    price: Decimal
    currency: str
    stock: int
    image_url: str
    attributes: dict
    rating: float
    review_count: int
    sales_count: int
    status: str | None  # None when the row names none: active when new, else as it is
    shop: str | None
    released_at: datetime | None


def _text(fields: dict, name: str, *, required: bool = False, max_length: int | None = None) -> str:
    value = fields.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RowError(f"{name}: required")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RowError(f"{name}: expected a string, got {type(value).__name__}")
    value = str(value).strip()
    if max_length is not None and len(value) > max_length:
        raise RowError(f"{name}: longer than {max_length} characters")
    return value


def _number(fields: dict, name: str, *, default=None, minimum=0, maximum=None) -> Decimal:
    value = fields.get(name, default)
    if value is None:
        raise RowError(f"{name}: required")
    if isinstance(value, bool):
        raise RowError(f"{name}: not a number")
    try:
        number = Decimal(str(value).strip()) if isinstance(value, str | int | float | Decimal) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise RowError(f"{name}: not a number ({value!r})")
    if number < minimum:
        raise RowError(f"{name}: must be >= {minimum}")
    if maximum is not None and number > maximum:
        raise RowError(f"{name}: must be <= {maximum}")
    return number


def _count(fields: dict, name: str) -> int:
    number = _number(fields, name, default=0, maximum=2**31 - 1)
    if number != number.to_integral_value():
        raise RowError(f"{name}: must be a whole number")
    return int(number)


def _category(fields: dict, title: str, attributes: dict) -> tuple[tuple[str, ...] | None, str]:
    """(category path, Product.CategorySource): the row's own, or derived by the rules when it
    names none."""
    category = fields.get("category")
    if category is None or category == "":
        derived = taxonomy.categorize(title, attributes)
        return (tuple(taxonomy.split_path(derived)) if derived else None), Product.CategorySource.RULES
    if not isinstance(category, str):
        raise RowError("category: expected a name or a 'Parent > Child' path")
    parts = taxonomy.split_path(category)
    if not parts or any(len(part) > 200 for part in parts):
        raise RowError("category: empty or a level longer than 200 characters")
    return tuple(parts), Product.CategorySource.FEED


def _released_at(fields: dict) -> datetime | None:
    value = fields.get("released_at")
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            raise RowError(f"released_at: not an ISO 8601 date ({value!r})") from None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, timezone.UTC)


def parse_product(fields: dict) -> ProductRecord:
    """Validate one generic-format row; raises RowError for the first bad field."""
    if not isinstance(fields, dict):
        raise RowError("expected a JSON object")
    title = _text(fields, "title", required=True, max_length=500)
    attributes = fields.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise RowError("attributes: expected an object")
    rating = _number(fields, "rating", default=0, maximum=5)
    currency = (_text(fields, "currency", max_length=3) or "USD").upper()
    if len(currency) != 3 or not currency.isalpha():
        raise RowError(f"currency: expected a 3-letter ISO code ({currency!r})")
    status = _text(fields, "status") or None
    if status is not None and status not in Product.Status.values:
        raise RowError(f"status: expected one of {', '.join(Product.Status.values)}")
    image_url = _text(fields, "image_url", max_length=500)
    if image_url:
        try:
            _validate_url(image_url)
        except ValidationError:
            raise RowError(f"image_url: not an http(s) URL ({image_url!r})") from None
    # Checked in the order the fields' errors have always been reported in.
    external_id = _text(fields, "id", required=True, max_length=100)
    description = _text(fields, "description")
    brand = _text(fields, "brand", max_length=200) or None
    category_path, category_source = _category(fields, title, attributes)
    return ProductRecord(
        external_id=external_id,
        title=title,
        description=description,
        brand=brand,
        category_path=category_path,
        category_source=category_source,
        price=_number(fields, "price", maximum=MAX_PRICE).quantize(Decimal("0.01"), ROUND_HALF_UP),
        currency=currency,
        stock=_count(fields, "stock"),
        image_url=image_url,
        attributes=attributes,
        rating=float(rating),
        review_count=_count(fields, "review_count"),
        sales_count=_count(fields, "sales_count"),
        status=status,
        shop=_text(fields, "shop", max_length=200) or None,
        released_at=_released_at(fields),
    )
