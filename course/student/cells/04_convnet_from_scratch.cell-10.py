# student version of 04_convnet_from_scratch cell cell-10; book cell 38ee3e0f0ead
conv_params = mnist_net.params["W1"].size + mnist_net.params["b1"].size
convnet_params = sum(p.size for p in mnist_net.params.values())
print(
    f"ConvNet: {convnet_params:,} parameters, "
    f"{conv_params:,} of them in the convolution"
)
# Compare with the two-layer net you chose in chapter 3: its full-scale run (HWLIB_FULL=1)
# records the chosen width and test accuracy in book/results/.
try:
    chapter3 = recorded("03_softmax_and_two_layer_net")["values"]
except FileNotFoundError:
    print("chapter 3's full-scale run is not recorded here yet: run it to compare")
else:
    mlp_width = int(chapter3["best_hidden"])
    mlp_params = sum(p.size for p in TwoLayerNet(hidden_dim=mlp_width).params.values())
    print(
        f"your chapter 3 two-layer net (H = {mlp_width}): {mlp_params:,} parameters, "
        f"test accuracy {chapter3['final_test']}"
    )
