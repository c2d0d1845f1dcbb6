"""The engine: how a learner's function is run, apart from the checks that judge it.

What crosses between the two sides:
- `codec`: values as safe data (JSON and `.npy`, never pickle), both ways, with caps;
- `kerascodec`: Keras models and training histories as configs and weight arrays;
- `figures`: matplotlib figures as a description that the judge draws again;
- `calls`: one call: arguments out; result, raised exception and changed arguments back.

Where the learner's code runs:
- `channel`: the learner's function as a suite sees it, run in the suite's own process (the
  learner's `pytest exercises/stepN`) or in a sandbox process (every grade);
- `sandbox`: the process that imports and runs the learner's code, and nothing else;
- `confine`: what the sandbox may not do (Landlock: write outside its scratch, signal out);
- `reach`: who the sandbox runs as (nobody, under root) and its view of what it must read.

Running the checks:
- `contain`: the grader's hold on every process a step starts (time, memory, escapees);
- `zygote` and `warm`: the warm engine, a process with TensorFlow imported that forks each check.

Both ways of running go through the same encoding, so they give the same verdicts.
"""
