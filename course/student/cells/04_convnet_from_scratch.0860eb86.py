# student version of 04_convnet_from_scratch cell 0860eb86; book cell a1fe6859aef2
glue("convnet_params", f"{convnet_params:,}", display=False)
glue("conv_params", f"{conv_params:,}", display=False)
if "chapter3" in globals():       # only once your chapter 3 full-scale run is recorded
    glue("mlp_params", f"{mlp_params:,}", display=False)
    glue("mlp_width", f"{mlp_width}", display=False)
    glue("mlp_test", chapter3['final_test'], display=False)
    glue("fewer_or_more", "fewer" if convnet_params < mlp_params else "more", display=False)
