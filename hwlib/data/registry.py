"""Every data file the book uses: where it lives relative to a data root, its checksums, where to get it.

Checksums of the offline mirror are the sha256 values of ``shared/data/MANIFEST.json``. Where the
mirror holds a re-packed copy (the MNIST .gz files were re-compressed) the upstream file differs
byte for byte, so a file may have several accepted checksums: the mirror's sha256 and the checksum
that the upstream copy is published with (torchvision's md5 for MNIST and CIFAR-10).

Download URLs are the public upstream addresses. GitHub files are pinned to the commit the mirror
was copied from, so what downloads is byte-identical to the mirror and verified with its sha256.
Where the mirror holds a re-made copy (hymenoptera's zip was re-packed, CIFAR-10 and the Flickr8k
subset were re-encoded as smaller JPEGs), the upstream file is registered with the checksum its
publishers' own code pins: PyTorch's tutorials CI for hymenoptera_data.zip, torchvision for
CIFAR-10, the R package torchvision (mlverse) for the Flickr8k release zips. A file with no public
copy has ``url=None`` and a note saying what replaces it.

``CHAPTERS`` says which datasets each chapter needs (``hwlib.data.chapters`` reports whether a
chapter can run).
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DataFile:
    """One file, addressed by its path relative to a data root (e.g. ``mnist/t10k-labels-idx1-ubyte.gz``)."""

    path: str
    hashes: tuple            # accepted checksums, "sha256:<hex>" or "md5:<hex>"; the URL's copy last
    url: str | None = None   # public download URL (its content must match one of the hashes)
    size: int | None = None  # bytes of the mirror copy, for the listing
    note: str = ""           # how to obtain it by hand when there is no URL

    @property
    def url_hash(self):
        """The checksum of the copy at ``url``: by convention the last accepted hash."""
        return self.hashes[-1]

    @property
    def name(self):
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    files: tuple = field(default_factory=tuple)


_GH = "https://raw.githubusercontent.com"
_CORAL = f"{_GH}/google-coral/test_data/104342d2d3480b3e66203073dac24f4e2dbb4c41"
_LLAMA = f"{_GH}/DaveBben/esp32-llm/934dab4d242d259abd88678488ea3b62d4fca601/data"
_MNIST = "https://ossci-datasets.s3.amazonaws.com/mnist"   # torchvision's mirror of yann.lecun.com
_FLICKR8K = "https://github.com/jbrownlee/Datasets/releases/download/Flickr8k"


def _mnist(name, sha256, md5, size):
    return DataFile(f"mnist/{name}", (f"sha256:{sha256}", f"md5:{md5}"), f"{_MNIST}/{name}", size)


DATASETS = {d.name: d for d in [
    Dataset("mnist", "MNIST handwritten digits, 60,000 train + 10,000 test (idx, gzip)", (
        _mnist("train-images-idx3-ubyte.gz",
               "0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971",
               "f68b3c2dcbeaaa9fbdd348bbdeb94873", 9719438),
        _mnist("train-labels-idx1-ubyte.gz",
               "1787548bbe0bff1ec2ecdc0ef292b02df999e2d1a6002d27500982c652b17203",
               "d53e105ee54ea40749a09fcbcd1e9432", 28857),
        _mnist("t10k-images-idx3-ubyte.gz",
               "1a1a05eab793c14bb050b398624a11b0ffd1a2953baed553b1b9bd079e2a20be",
               "9fb629c4189551a2d022fa330f9573f3", 1616508),
        _mnist("t10k-labels-idx1-ubyte.gz",
               "b91679a0acfe4ba0e50a2437a903084cba1f5f92592b016a25a7dfd00455798b",
               "ec29112dd5afa0611ce80d1b7f02629c", 4517),
    )),
    Dataset("cifar10", "CIFAR-10 as 60,000 JPEGs (offline mirror layout)", (
        DataFile("cifar10/cifar10-jpeg.tar.gz",
                 ("sha256:f05cef99aadcd5f9e7993190ce5734289c411cba5644bdae41ff754533f53bd8",), None, 19638090,
                 note="only in the offline mirror; with internet, the upstream 'cifar10-python' dataset is used"),
    )),
    Dataset("cifar10-python", "CIFAR-10, upstream python pickles (www.cs.toronto.edu/~kriz/cifar.html)", (
        DataFile("cifar10/cifar-10-python.tar.gz", ("md5:c58f30108f718f92721af3b95e74349a",),
                 "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"),
    )),
    Dataset("hymenoptera", "Ants and bees from the PyTorch transfer-learning tutorial", (
        # The mirror's re-packed zip, then the upstream zip (same images, same layout).
        DataFile("hymenoptera/hymenoptera_data.zip",
                 ("sha256:30503d8460c083b659be016791ef4d9823e6ab92df8ec0ee2422cff4169c0cbf",
                  "sha256:fbc41b31d544714d18dd1230b1e2b455e1557766e13e67f9f5a7a23af7c02209"),
                 "https://download.pytorch.org/tutorial/hymenoptera_data.zip", 47255274),
    )),
    Dataset("flickr8k", "Flickr8k, the book's 1,000 photos with 5 captions each (offline subset)", (
        DataFile("flickr8k/flickr8k-1k.tar.gz",
                 ("sha256:d302a6605985456023ab3581a08d9b67fd1f2374efe2d51311c8ed47daaa9dfc",), None, 17559445,
                 note="a subset made for this book, only in the offline mirror; with internet, chapter 5 "
                      "downloads 'flickr8k-upstream' and selects the same 1,000 photos from it"),
    )),
    Dataset("flickr8k-upstream", "Flickr8k, the full release: 8,091 photos (about 1 GB) and their captions", (
        DataFile("flickr8k/Flickr8k_Dataset.zip", ("md5:f18a1e2920de5bd84dae7cf08ec78978",),
                 f"{_FLICKR8K}/Flickr8k_Dataset.zip"),
        DataFile("flickr8k/Flickr8k_text.zip", ("md5:bf6c1abcb8e4a833b7f922104de18627",),
                 f"{_FLICKR8K}/Flickr8k_text.zip"),
    )),
    Dataset("tinystories", "TinyStories, first 1,000 stories of the validation split", (
        DataFile("tinystories/tinystories_val_1k.txt",
                 ("sha256:c86f734a3a07fffb8a52f4a7970ac7dbeaf4eaf6a031dc8742a8de92fbbb9446",),
                 f"{_GH}/BhargavKumarNath/NanoGPT/25e02c8a2de871dc40affb4c68a5346154adf80e/"
                 "data_corpus/tinystories_val.txt", 807375),
    )),
    Dataset("mobilenet_v2_quant", "ImageNet MobileNetV2 1.0/224, uint8 TFLite, with its 1001 labels", (
        DataFile("pretrained/mobilenet_v2_1.0_224_quant.tflite",
                 ("sha256:7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776",),
                 f"{_CORAL}/mobilenet_v2_1.0_224_quant.tflite", 3610798),
        DataFile("pretrained/imagenet_labels.txt",
                 ("sha256:b8aaeb5630c62626a7d124a05c0e14230a7ffdd2136a31d0190a4fb71c1d82f1",),
                 f"{_CORAL}/imagenet_labels.txt", 21686),
    )),
    Dataset("stories260k", "stories260K: a 260K-parameter llama2.c story model and its 512-token tokenizer", (
        DataFile("pretrained/stories260K.bin",
                 ("sha256:b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696",),
                 f"{_LLAMA}/stories260K.bin", 1056540),
        DataFile("pretrained/tok512.bin",
                 ("sha256:037cb335abb25d1fa9e8ecae30ed2a3a8ace9302862ebcdc05d51a6bbb10c312",),
                 f"{_LLAMA}/tok512.bin", 6227),
    )),
]}


# What each chapter reads: a list of requirements, each a tuple of datasets any one of which will
# do (the first is preferred when something has to be downloaded).
CHAPTERS = {
    "01_backprop_by_hand": (),
    "02_convolution_derived": (),
    "03_softmax_and_two_layer_net": (("mnist",),),
    "04_convnet_from_scratch": (("mnist",), ("cifar10-python", "cifar10")),
    "05_image_captioning": (("flickr8k-upstream", "flickr8k"), ("mobilenet_v2_quant",)),
    "06_transfer_learning": (("hymenoptera",), ("mobilenet_v2_quant",)),
    "07_transformers": (("tinystories",),),
}


def dataset(name):
    """The registered Dataset called ``name`` (KeyError listing the known names otherwise)."""
    try:
        return DATASETS[name]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}") from None


def data_file(path):
    """The registered DataFile with relative path ``path``."""
    for ds in DATASETS.values():
        for f in ds.files:
            if f.path == path:
                return f
    raise KeyError(f"no registered data file {path!r}")
