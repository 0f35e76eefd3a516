"""Titles, captions, hashtags and transcripts for generated videos and live streams.

Every sentence is built from `ProductFacts` (real brand, type, colour, connectivity and
attribute figures), so what a video says is grounded in the products it tags. The random
choices come from the caller's seeded `random.Random`: same seed, same words.
"""

import random
import re
from dataclasses import dataclass

from .media_facts import ProductFacts, plural


@dataclass(frozen=True)
class Script:
    title: str
    caption: str
    hashtags: list[str]
    transcript: str


def described(product: ProductFacts) -> str:
    """'Sony WH-1000XM4' + 'headphones' -> 'Sony WH-1000XM4 headphones', unless the name says it already."""
    if product.noun.split()[-1] in product.name.lower():
        return product.name
    return f"{product.name} {product.noun}"


def _colour(product: ProductFacts) -> str:
    return f" in {product.colour}" if product.colour else ""


def _joined(phrases: list[str]) -> str:
    return phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]


def _highlights(rng: random.Random, product: ProductFacts, count: int = 2) -> list[str]:
    return (
        list(product.features[:count])
        if rng.random() < 0.7
        else rng.sample(product.features, min(count, len(product.features)))
    )


def hashtags(*products: ProductFacts, kind: str) -> list[str]:
    words = [kind]
    for product in products:
        words += [product.brand, product.noun, product.colour or "", product.connectivity or ""]
    tags = (re.sub(r"[^\w]", "", word.title()) for word in words if word)
    return list(dict.fromkeys(f"#{tag[0].lower()}{tag[1:]}" for tag in tags if tag))


def _spec_sentence(product: ProductFacts) -> str:
    if not product.features:
        return f"The spec sheet is short, but the {product.noun} does what it says."
    return f"On paper you get {_joined(list(product.features[:4]))}."


def review(rng: random.Random, product: ProductFacts) -> Script:
    highlights = _highlights(rng, product)
    score = rng.choice(["4 out of 5", "4.5 out of 5", "3.5 out of 5", "a solid 4 out of 5"])
    title = rng.choice(
        [
            f"{described(product)} review" + (f": {_joined(highlights)}" if highlights else ""),
            f"Is the {described(product)} worth ${product.price:,.0f}? Honest review",
            f"{product.brand} {product.noun} after one month — {product.name} review",
        ]
    )
    connectivity = f" It is {product.connectivity}, which" if product.connectivity else " Setup"
    transcript = (
        f"Hi everyone, today I'm reviewing the {described(product)}{_colour(product)} from {product.brand}. "
        f"{_spec_sentence(product)}{connectivity} took me about five minutes. "
        f"At ${product.price:,.2f} it sits in the middle of the {product.category.lower() or 'market'} range. "
        f"What I liked most: {highlights[0] if highlights else 'the build quality'}. "
        f"Overall the {product.name} gets {score} from me."
    )
    caption = f"My honest take on the {product.brand} {product.noun}{_colour(product)} after daily use."
    return Script(title, caption, hashtags(product, kind="review"), transcript)


def unboxing(rng: random.Random, product: ProductFacts) -> Script:
    highlights = _highlights(rng, product, 1)
    title = f"Unboxing the {described(product)}{_colour(product)}" + (
        f" — {highlights[0]}" if highlights else ""
    )
    transcript = (
        f"Let's unbox the {described(product)} from {product.brand}. "
        f"Inside the box: the {product.noun} itself{_colour(product)}, the manual and the usual paperwork. "
        f"{_spec_sentence(product)} First impressions: it feels well made for ${product.price:,.2f}."
    )
    caption = rng.choice(
        [
            f"What's in the box? {product.brand} {product.noun} edition.",
            f"Fresh {product.brand} delivery, let's open it!",
        ]
    )
    return Script(title, caption, hashtags(product, kind="unboxing"), transcript)


def howto(rng: random.Random, product: ProductFacts) -> Script:
    title = rng.choice(
        [
            f"How to set up your {described(product)}",
            f"{product.name}: 3 tips to get more out of your {product.noun}",
            f"Installing the {product.brand} {product.noun} step by step",
        ]
    )
    connection = "pair it over the air" if product.connectivity == "wireless" else "connect it"
    transcript = (
        f"In this how-to I'll show you how to set up the {described(product)}. "
        f"Step one: unpack the {product.noun} and check the model, {product.name}. "
        f"Step two: {connection} and install {product.brand}'s latest drivers or firmware. "
        f"{_spec_sentence(product)} Step three: test it before you rely on it."
    )
    caption = f"Quick setup guide for the {product.brand} {product.noun}. Save it for later!"
    return Script(title, caption, hashtags(product, kind="howto"), transcript)


def comparison(rng: random.Random, products: list[ProductFacts]) -> Script:
    first, second = products[0], products[1]
    noun = first.noun
    title = rng.choice(
        [
            f"{first.name} vs {second.name}: which {noun} should you buy?",
            f"{len(products)} {plural(noun)} compared: {', '.join(p.brand for p in products)}",
            f"Best {noun}? {first.brand} vs {second.brand} head to head",
        ]
    )
    lines = [f"Today it's a head-to-head of {len(products)} {plural(noun)}."]
    for product in products:
        lines.append(
            f"The {described(product)}{_colour(product)} costs ${product.price:,.2f}. {_spec_sentence(product)}"
        )
    cheaper = min(products, key=lambda p: p.price)
    lines.append(f"On price, the {cheaper.name} wins; which one is best depends on what you need.")
    caption = f"{' vs '.join(p.brand for p in products)} — which {noun} is right for you?"
    return Script(title, caption, hashtags(*products, kind="comparison"), " ".join(lines))


def live(rng: random.Random, shop_name: str, products: list[ProductFacts]) -> tuple[str, str]:
    """Title and description of a shop's live stream about its own products."""
    lead = products[0]
    title = rng.choice(
        [
            f"{shop_name} live: {lead.brand} {lead.noun} deals",
            f"Live demo: the {described(lead)} and more",
            f"Flash sale on {lead.category.lower() or plural(lead.noun)} — live with {shop_name}",
            f"Ask us anything about the {lead.name}",
        ]
    )
    featured = "; ".join(f"{described(p)}{_colour(p)} at ${p.price:,.2f}" for p in products)
    return title, f"Join {shop_name} live. Featured: {featured}. Questions answered on air."
