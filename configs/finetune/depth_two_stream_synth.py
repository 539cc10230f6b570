# Two-stream FSAT on the synthetic world: the RGB-taught and the flow-taught
# depth students, each fine-tuned on the same k labels per class, fused at
# test time by averaging their class scores (video level). Test only (see
# configs/pipelines/ablation_synth_teacher.py, which fills in both
# checkpoints per budget and seed):
#   python tools/test.py configs/finetune/depth_two_stream_synth.py none \
#       --cfg-options \
#       model.streams.rgb_taught.checkpoint=<rgb-taught fine-tuned ckpt> \
#       model.streams.flow_taught.checkpoint=<flow-taught fine-tuned ckpt>
_base_ = ['./depth_r3d18_synth.py']
_stream = '{{ fileDirname }}/depth_r3d18_synth.py'
model = dict(
    _delete_=True,
    type='LateFusionRecognizer',
    streams=dict(
        rgb_taught=dict(config=_stream, checkpoint=None),
        flow_taught=dict(config=_stream, checkpoint=None)))
