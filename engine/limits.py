"""Every limit of the engine and the playground, in one place."""

MAX_HIDDEN_LAYERS = 8
MIN_NEURONS = 1
MAX_NEURONS = 32
MIN_CLASSES = 2
MAX_CLASSES = 6
MAX_OUTPUTS = 8  # regression targets per point

MAX_POINTS = 2048  # rows in a data set (train + test); also the CSV row limit
POINT_BUCKETS = (32, 128, 512, 2048)  # padded sizes: adding a point inside a bucket recompiles nothing
MAX_GENERATED_POINTS = 2000
MAX_STROKE_POINTS = MAX_POINTS  # points in one board stroke (a long spray)
MAX_NOISE = 5.0
MAX_ABS_COORD = 1e6
MAX_ABS_TARGET = 1e6  # regression targets: beyond this the squared loss of float32 overflows

MAX_TITLE_CHARS = 200  # a document's title; longer ones are cut
MAX_CAPTION_CHARS = 2000  # its caption
MAX_VIEW_CHARS = 40  # the tab it opens on
MAX_UPLOAD_BYTES = 2_000_000  # a CSV or an imported state (Streamlit's own server.maxUploadSize is set to match)

MAX_EPOCHS = 10_000_000  # per CLI run
MAX_SCHEDULE_EPOCHS = 1_000_000  # a schedule's warm-up and step lengths
MAX_DECAY_EPOCHS = MAX_EPOCHS  # a cosine schedule's decay length
MAX_TRAINED_EPOCHS = 2**30  # an imported state's epoch count (the engine counts epochs in int32)
EPOCH_CHUNKS = (1000, 100, 10, 1)  # compiled scan lengths; any epoch count is a sum of these

MIN_GRID = 10
MAX_GRID = 256

MAX_LEARNING_RATE = 100.0
MAX_CLIP_NORM = 1e6
MAX_REG_RATE = 10.0
MAX_DROPOUT = 0.9
MAX_SEED = 2**31 - 1
MAX_RACE = 6  # racers in one optimiser race
MAX_RACE_EPOCHS = 20_000
# What one session may make a shared server do at once (a class on one server: one heavy user must not starve
# the others). A step is one mini-batch update; its cost grows with the batch's points × the network's weights.
MAX_STEPS_PER_CALL = 25_000  # per Play frame: TF Playground's default at 500 epochs per frame is 12,500
MAX_POINT_WEIGHTS_PER_CALL = 200_000_000  # Σ over a frame's epochs of training points × weights
MAX_RACE_STEPS = 1_000_000  # racers × epochs × steps per epoch, for one race
MAX_RACE_POINT_WEIGHTS = 10_000_000_000  # racers × epochs × training points × weights, for one race (50 frames'
# worth: a full-batch race of a big network takes few steps, each over every point)
MAX_PROGRAM_SPECS = 32  # networks (specs) whose compiled programs a server process keeps, least recently used out
MAX_SPECULATIVE_SPECS = 12  # of those compiled ahead by the warm-up, kept apart and evicted first
MAX_HISTORY = 100_000  # epochs of per-epoch metrics a session keeps; beyond that every other one is dropped
MAX_SNAPSHOTS = 64  # weight snapshots a session keeps for the history scrubber (thinned as epochs grow)


def bucket(n: int) -> int:
    """The smallest padded size that holds n rows."""
    for b in POINT_BUCKETS:
        if n <= b:
            return b
    raise ValueError(f"{n} points is more than the limit of {MAX_POINTS}")
