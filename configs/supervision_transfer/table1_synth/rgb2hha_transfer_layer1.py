# Supervision transfer of the Table 1 twin at a lower layer: the
# student's layer1 (stride 4, 64 channels) learns to reproduce the RGB
# teacher's layer1 instead of layer2 (stride 8, 128 channels, the pool5
# equivalent of rgb2hha_transfer.py). Only the stem and layer1 receive the
# transferred supervision; layer2 gets no gradient and keeps its random
# initialisation, which the HHA detector then starts from, as a detector
# whose fc6 is random when the paper transfers at pool5. The layer
# ablation of configs/pipelines/st_nyud2_synth_table1_layers.py.
_base_ = ['./rgb2hha_transfer.py']
model = dict(
    student_layer=dict(path='layer1', dim=64),
    teacher_layer=dict(path='layer1', dim=64))
