# Two-stream FSAT (paper §IV): the RGB-taught and the flow-taught depth
# students, each fine-tuned on the same k labels per class, fused at test
# time by averaging their class scores (video level). Test only:
#   python tools/test.py configs/finetune/depth_two_stream_ntu60_xview.py \
#       none --cfg-options \
#       model.streams.rgb_taught.checkpoint=<rgb-taught fine-tuned ckpt> \
#       model.streams.flow_taught.checkpoint=<flow-taught fine-tuned ckpt>
_base_ = ['./depth_r3d18_ntu60_xview.py']
_stream = '{{ fileDirname }}/depth_r3d18_ntu60_xview.py'
model = dict(
    _delete_=True,
    type='LateFusionRecognizer',
    streams=dict(
        rgb_taught=dict(config=_stream, checkpoint=None),
        flow_taught=dict(config=_stream, checkpoint=None)))
