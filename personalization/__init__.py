"""Shopper personalisation: interest profiles (category, brand and price-band affinities with
time decay) learnt from events, served as ranking features and a personalised recall channel,
and erased on request."""
