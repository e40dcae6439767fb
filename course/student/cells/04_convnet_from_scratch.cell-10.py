# student version of 04_convnet_from_scratch cell cell-10; book cell f7da9b869757
conv_params = mnist_net.params["W1"].size + mnist_net.params["b1"].size
convnet_params = sum(p.size for p in mnist_net.params.values())
print(
    f"ConvNet: {convnet_params:,} parameters, "
    f"{conv_params:,} of them in the convolution"
)
# Compare with the two-layer net you chose in chapter 3: the width H your sweep picked, its
# parameter count (sum(p.size for p in TwoLayerNet(hidden_dim=H).params.values())) and the test
# accuracy your full-scale run (HWLIB_FULL=1) printed.
