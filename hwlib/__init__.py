"""hwlib — the library behind *hwlib book*.

Every chapter of the book imports its model, layer, training and data code from here;
the notebooks only explain, call, plot and assert. Importing ``hwlib`` (or ``hwlib.layers``) is
cheap and never imports torch: the PyTorch code lives in its own modules.

Modules, by chapter (each module's docstring says more):

* numpy layers (chapters 1-4): ``layers`` (fully connected, ReLU, softmax loss), ``convolution``
  (filt2d, conv2d, im2col, the convolutional layer), ``pooling``, ``naive`` (loop versions that
  the tests compare with), ``blocks`` (softmax regression, the skip connection), ``gradcheck``
  (numerical gradients), ``torch_autograd`` (PyTorch as a referee)
* numpy training: ``models`` (SoftmaxClassifier, TwoLayerNet, ConvNet, CaptioningRNN), ``optim``
  (SGD, momentum, RMSProp, Adam), ``solver`` (Solver), ``augment``, ``metrics``
* captioning (chapter 5): ``rnn_layers``, ``captioning_solver``, ``features`` (cached backbone
  features, PCA), ``caption_eval`` (BLEU, baselines)
* PyTorch (chapters 5-7): ``pretrained`` (TFLite MobileNetV2 as a torchvision model),
  ``transfer`` (train_model, finetune, freeze), ``transformer`` (MaskedAttention, GPT),
  ``trainer`` (AdamW with warm-up and cosine decay), ``arithmetic`` and ``text`` (the two
  language-modelling datasets), ``device``
* every chapter: ``data`` (registry, search order, verified downloads, loaders), ``history``
  (the one training record), ``plotting``, ``scale`` and ``settings`` (CI versus full scale, the
  environment's switches)

The book's machinery (pinned kernels, nbval tolerances, glued numbers and results files) is the
separate package ``hwbook``, and the autograder the package ``hwgrade``; ``hwlib`` imports neither.
"""

__version__ = "0.1.0"
