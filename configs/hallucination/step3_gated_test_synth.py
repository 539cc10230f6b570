# Hallucination network, step 3, tested with the frozen depth stream's
# gates kept: the hallucination stream reads RGB, but its connections
# still receive the depth stream's maps, so this test needs depth. It
# shows what cutting the gates (step3_synth.py, RGB alone) costs a stream
# trained with them. Test only:
#   python tools/test.py configs/hallucination/step3_gated_test_synth.py \
#       <step3 ckpt>
_base_ = ['./step3_synth.py']
model = dict(predict_connections=True)
val_dataloader = {{_base_.rgb_depth_val_dataloader}}
test_dataloader = {{_base_.rgb_depth_test_dataloader}}
