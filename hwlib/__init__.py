"""hwlib — the library behind *hwlib book*.

Every chapter of the book imports its model, layer, training and data code from here;
the notebooks only explain, call, plot and assert. Importing ``hwlib`` (or ``hwlib.layers``) is
cheap and never imports torch: the PyTorch code lives in its own modules.

Modules, by chapter (each module's docstring says more):

* numpy layers (chapters 1-5), one module per family in ``layers``: ``layers.dense`` (fully
  connected, ReLU, log-softmax, softmax loss), ``layers.conv`` (filt2d, conv2d, im2col, the
  convolutional layer), ``layers.pool`` (max and average pooling), ``layers.recurrent`` (RNN, LSTM,
  word embedding, temporal layers), ``layers.composite`` (softmax regression, the skip connection),
  ``layers.naive`` (loop versions that the tests compare with); ``gradcheck`` (numerical
  gradients), ``torch_autograd`` (PyTorch as a referee)
* numpy training: ``models`` (SoftmaxClassifier, TwoLayerNet, ConvNet, CaptioningRNN), ``optim``
  (SGD, momentum, RMSProp, Adam), ``solver`` (Solver), ``augment``, ``metrics``
* captioning (chapter 5): ``vocabulary`` (the special tokens, encoding, decoding),
  ``captioning_solver``, ``features`` (cached backbone features, PCA), ``caption_eval`` (BLEU,
  baselines)
* PyTorch (chapters 5-7): ``device`` (the device choice, eval mode for a block), ``pretrained``
  (TFLite MobileNetV2 as a torchvision model, its transforms), ``transfer`` (one module per job:
  ``surgery``, ``training``, ``head_features``, ``evaluate``, ``visualize``), ``transformer``
  (MaskedAttention, GPT), ``trainer`` (AdamW with warm-up and cosine decay, KeepBest),
  ``experiments`` (chapter 7's runs: model sizes and training settings, one record each),
  ``arithmetic`` (the multiplication data, evaluation and training), ``text`` (the TinyStories
  sample), ``tokenizer`` (one token per character)
* every chapter: ``data`` (registry, search order, verified downloads, every loader: ``mnist``,
  ``cifar10``, ``flickr8k``, ``hymenoptera``), ``history`` (the one training record), ``plotting``,
  ``scale`` and ``settings`` (CI versus full scale, the environment's switches)

The book's machinery (pinned kernels, nbval tolerances, glued numbers and results files) is the
separate package ``hwbook``, and the autograder the package ``hwgrade``; ``hwlib`` imports neither.
"""

__version__ = "0.1.0"
