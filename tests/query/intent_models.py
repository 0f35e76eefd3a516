"""Hand-made two-word intent models: each word is evidence for one category."""

import numpy as np

from searchapp.query.intent import IntentModel


def two_word_model(words, classes, weights, presence, heads=None) -> IntentModel:
    """`weights[i]`: how strongly words[i] points to classes[i]."""
    return IntentModel(
        vocabulary={word: column for column, word in enumerate(words)},
        idf=np.ones(2),
        coef=np.diag(np.asarray(weights, dtype=float)),
        intercept=np.zeros(2),
        classes=list(classes),
        presence=presence,
        heads=heads,
    )


def cables_and_monitors(heads, classes=("cables", "monitors")) -> IntentModel:
    """ "hdmi" is strong evidence for cables, whose titles say "Monitor Cable DVI-HDMI";
    monitors flag HDMI but their titles do not say it."""
    presence = np.array([[True, False], [True, True]])
    return two_word_model(("hdmi", "monitor"), classes, (3.0, 1.0), presence, heads)
