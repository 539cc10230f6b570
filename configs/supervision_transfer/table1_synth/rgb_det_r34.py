# The Table 1 twin's RGB detector on a deeper trunk, ResNet-34 to its
# stage 2 (3 + 4 basic blocks instead of 2 + 2; the same stride-8,
# 128-channel map, twice the trunk's cost a step): the stronger
# supervising network of the teacher-quality rows, as Gupta et al. compare
# an AlexNet teacher with a VGG one for the same AlexNet student
# (configs/pipelines/st_nyud2_synth_table1_teacher.py).
_base_ = ['./rgb_det.py']
model = dict(backbone=dict(depth=34))
