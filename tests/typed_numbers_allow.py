"""Numbers a chapter's prose may state without printing them, with the reason for each.

Only constants of a method (a learning rate the text recommends, sigmoid(0) = 0.5) and values cited
from the literature belong here. A measured result belongs in a printed output instead.
Each chapter has its own section, so that chapters can be edited independently.
"""

ALLOWED = {
    "book/setup.ipynb": {
    },
    "book/part1/propagation.ipynb": {
    },
    "book/part1/recurrent_cell.ipynb": {
    },
    "book/part1/architectures.ipynb": {
    },
    "book/part1/bptt.ipynb": {
    },
    "book/part2/vanishing_exploding.ipynb": {
    },
    "book/part2/lstm.ipynb": {
    },
    "book/part2/gru.ipynb": {
    },
    "book/part3/language_modelling.ipynb": {
    },
    "book/part3/classification.ipynb": {
    },
    "book/part3/seq2seq.ipynb": {
    },
    "book/part3/time_series.ipynb": {
    },
    "book/part3/speech.ipynb": {
    },
    "book/part3/captioning_tagging.ipynb": {
    },
    "book/part3/music.ipynb": {
        "0.003": "a learning rate Exercise 1 asks the reader to try (a setting, not a result)",
        "0.03": "a learning rate Exercise 1 asks the reader to try (a setting, not a result)",
    },
}
