# The HHA detector of the Table 1 twin with its trunk frozen: Gupta et
# al.'s "ft fc only" rows ("Is this transfer of supervision semantic?"),
# where conv1-pool5 keep the initialisation they were given and only the
# layers above them learn. Here the whole ResNet-18 trunk (stem and both
# stages, batch norm in eval mode: frozen_stages=2) keeps the weights the
# pipeline's init_from copies in; the RPN and the box head (the paper's
# fc6, fc7 and classifier) train as in hha_det.py. A trunk that was never
# initialised stays random: frozen, it only measures what random
# features give.
_base_ = ['./hha_det.py']
model = dict(backbone=dict(frozen_stages=2))
