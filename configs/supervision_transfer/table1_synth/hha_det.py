# The HHA detector of the Table 1 twin (see the base). One config for
# every initialisation row: "no init" trains it as it is; "copy RGB",
# "supervision transfer" and "transfer, adapted" give it another
# initialisation of its trunk (the pipeline's init_from, or
# PretrainedWeightsHook in custom_hooks):
#   python tools/train.py configs/supervision_transfer/table1_synth/hha_det.py
_base_ = ['./_base_/det.py']
