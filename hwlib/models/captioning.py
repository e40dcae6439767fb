"""CaptioningRNN: an image feature vector in, a sentence out (numpy, chapter 5).

The image's feature vector is projected to the initial hidden state h0; the caption's words are
embedded and fed to a vanilla RNN or an LSTM one per timestep; a temporal fully-connected layer
turns every hidden state into scores over the vocabulary. Training uses *teacher forcing*: the input
at step t is the true word t, the target is word t+1, and <NULL> padding is masked out of the loss.
Sampling is greedy: feed <START>, then each step's most likely word, until <END>.
"""

import numpy as np

from hwlib.layers import recurrent as R
from hwlib.layers._checks import float_dtype
from hwlib.layers.dense import fc_backward, fc_forward
from hwlib.vocabulary import END, NULL, START, decode_caption

_CELLS = {"rnn": (1, R.rnn_forward, R.rnn_backward), "lstm": (4, R.lstm_forward, R.lstm_backward)}


class CaptioningRNN:
    """A captioning model with the cs231n contract ``params`` + ``loss(features, captions)``.

    Inputs:
    - word_to_idx: dict word -> id over V words; must hold '<NULL>', '<START>' and '<END>'
    - input_dim: D, the width of an image feature vector
    - wordvec_dim: W, the width of a word vector
    - hidden_dim: H, the width of the hidden state
    - cell_type: 'rnn' or 'lstm'
    - dtype: float32 (default) or float64 (for gradient checks)
    - seed: seeds the initialization

    Parameters (all of ``dtype``): W_proj (D, H), b_proj (H,), W_embed (V, W), Wx (W, gH), Wh (H, gH),
    b (gH,), W_vocab (H, V), b_vocab (V,), with g = 1 for the RNN and 4 for the LSTM. Matrices start
    from N(0, 1/fan_in); biases at zero.
    """

    def __init__(self, word_to_idx, input_dim=512, wordvec_dim=128, hidden_dim=128, cell_type="rnn",
                 dtype=np.float32, seed=0):
        if cell_type not in _CELLS:
            raise ValueError(f"cell_type must be 'rnn' or 'lstm', got {cell_type!r}")
        missing = {NULL, START, END} - set(word_to_idx)
        if missing:
            raise ValueError(f"word_to_idx lacks the special words {sorted(missing)}")
        self.dtype = float_dtype(dtype)
        self.cell_type = cell_type
        self.word_to_idx = dict(word_to_idx)
        self.idx_to_word = {i: w for w, i in word_to_idx.items()}
        self._null, self._start, self._end = (word_to_idx[w] for w in (NULL, START, END))
        self.input_dim = input_dim
        gates = _CELLS[cell_type][0]
        V = len(word_to_idx)
        rng = np.random.default_rng(seed)

        def normal(shape, fan_in):
            return (rng.standard_normal(shape) / np.sqrt(fan_in)).astype(self.dtype)

        self.params = {
            "W_proj": normal((input_dim, hidden_dim), input_dim), "b_proj": np.zeros(hidden_dim, self.dtype),
            "W_embed": normal((V, wordvec_dim), 1) / 100,
            "Wx": normal((wordvec_dim, gates * hidden_dim), wordvec_dim),
            "Wh": normal((hidden_dim, gates * hidden_dim), hidden_dim),
            "b": np.zeros(gates * hidden_dim, self.dtype),
            "W_vocab": normal((hidden_dim, V), hidden_dim), "b_vocab": np.zeros(V, self.dtype),
        }

    def _check_features(self, features):
        features = np.asarray(features)
        if features.ndim != 2 or features.shape[1] != self.input_dim:
            raise ValueError(f"features must have shape (N, {self.input_dim}), got {features.shape}")
        if features.dtype != self.dtype:
            raise TypeError(f"features have dtype {features.dtype} but the model is {self.dtype}; "
                            f"convert with features.astype(np.{self.dtype})")
        return features

    def loss(self, features, captions):
        """Teacher-forced loss and gradients.

        Inputs:
        - features: image features of shape (N, D), the model's dtype
        - captions: int word ids of shape (N, T), starting with <START> and padded with <NULL>

        Returns a tuple of:
        - loss: scalar of the model's dtype, the temporal softmax loss (summed over the words of
          a caption, averaged over the N captions)
        - grads: dict with the keys and shapes of ``params`` ('W_proj', 'b_proj', 'W_embed',
          'Wx', 'Wh', 'b', 'W_vocab', 'b_vocab')

        The input sequence is captions[:, :-1], the targets captions[:, 1:], and targets equal to
        <NULL> are masked out. h0 = features @ W_proj + b_proj (fc_forward); then word_embedding,
        the RNN or LSTM over the sequence, temporal_fc to scores, temporal_softmax_loss.

        Explained in chapter 5, *Image captioning* ("The model").
        """
        features = self._check_features(features)
        captions = np.asarray(captions)
        if captions.ndim != 2 or len(captions) != len(features) or captions.shape[1] < 2:
            raise ValueError(f"captions must have shape (N={len(features)}, T>=2), got {captions.shape}")
        # BEGIN SOLUTION
        captions_in, captions_out = captions[:, :-1], captions[:, 1:]
        mask = captions_out != self._null
        p = self.params
        _, forward, backward = _CELLS[self.cell_type]

        h0, cache_proj = fc_forward(features, p["W_proj"], p["b_proj"])
        words, cache_embed = R.word_embedding_forward(captions_in, p["W_embed"])
        hidden, cache_cell = forward(words, h0, p["Wx"], p["Wh"], p["b"])
        scores, cache_vocab = R.temporal_fc_forward(hidden, p["W_vocab"], p["b_vocab"])
        loss, dscores = R.temporal_softmax_loss(scores, captions_out, mask)

        grads = {}
        dhidden, grads["W_vocab"], grads["b_vocab"] = R.temporal_fc_backward(dscores, cache_vocab)
        dwords, dh0, grads["Wx"], grads["Wh"], grads["b"] = backward(dhidden, cache_cell)
        grads["W_embed"] = R.word_embedding_backward(dwords, cache_embed)
        _, grads["W_proj"], grads["b_proj"] = fc_backward(dh0, cache_proj)
        return loss, grads
        # END SOLUTION

    def sample(self, features, max_length=30):
        """Greedy captions: at every step feed the previous step's most likely word.

        Inputs:
        - features: (N, D), the model's dtype
        - max_length: the most words generated per caption

        Returns:
        - captions: int32 array (N, max_length) of word ids, without <START>: column t holds the
          word chosen at step t. A caption's <END> is kept, and every later entry is <NULL>.

        The first input is <START> and the first hidden state h0 = features @ W_proj + b_proj (the
        LSTM's cell state starts at zero); each step runs one rnn_step_forward or lstm_step_forward
        and picks the argmax of the vocabulary scores.

        Explained in chapter 5, *Image captioning* ("The model").
        """
        features = self._check_features(features)
        # BEGIN SOLUTION
        p = self.params
        n = len(features)
        h, _ = fc_forward(features, p["W_proj"], p["b_proj"])
        c = np.zeros_like(h)
        word = np.full(n, self._start)
        captions = np.full((n, max_length), self._null, dtype=np.int32)
        finished = np.zeros(n, dtype=bool)
        for t in range(max_length):
            x, _ = R.word_embedding_forward(word[:, None], p["W_embed"])
            if self.cell_type == "rnn":
                h, _ = R.rnn_step_forward(x[:, 0], h, p["Wx"], p["Wh"], p["b"])
            else:
                h, c, _ = R.lstm_step_forward(x[:, 0], h, c, p["Wx"], p["Wh"], p["b"])
            word = np.argmax(h @ p["W_vocab"] + p["b_vocab"], axis=1)
            captions[:, t] = np.where(finished, self._null, word)
            finished |= word == self._end
            if finished.all():
                break
        return captions
        # END SOLUTION

    def decode(self, captions):
        """Caption ids -> strings (stops at <END>, drops <NULL>/<START>)."""
        return [decode_caption(row, self.idx_to_word) for row in np.atleast_2d(captions)]
