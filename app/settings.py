"""Every tunable of the server in one place, each overridable by a ``CONVPLAY_*`` variable.

``CONVPLAY_MAX_SIDE=512 uvicorn app.main:create_app --factory`` raises the spatial limit;
tests build an app with their own ``Settings(...)`` instead.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Server limits: what one request may ask of the engine.

    Every limit bounds memory and time per request, so that no input can take the server
    down; a request over one gets a 422 naming the field, the value and the limit.
    """

    model_config = SettingsConfigDict(env_prefix="CONVPLAY_", frozen=True)

    max_side: int = Field(
        default=128,
        ge=1,
        description="Largest height or width of an input or output; also caps stride, "
        "padding and dilation.",
    )
    max_channels: int = Field(default=64, ge=1, description="Most channels of any array.")
    max_batch: int = Field(default=8, ge=1, description="Largest batch size N.")
    max_kernel_side: int = Field(default=16, ge=1, description="Largest kernel height or width.")
    max_elements: int = Field(
        default=65_536,
        ge=1,
        description="Most values in any one array of a request or a response (input, weight, "
        "output, im2col matrix, kernel matrix, the taps of a trace window).",
    )
    max_matrix_elements: int = Field(
        default=1_048_576,
        ge=1,
        description="Most entries of an unrolled kernel matrix built by a kernel_matrix method.",
    )
    max_multiplies: int = Field(
        default=20_000_000,
        ge=1,
        description="Most multiply-adds (or intermediate values) one operation may need.",
    )
    max_python_steps: int = Field(
        default=100_000,
        ge=1,
        description="Most Python-level steps one method may take: passes through the loops "
        "the interpreter runs itself (per window of the loop methods, per input cell of "
        "scatter, per tap of the vectorised ones), a few microseconds each. Over it, the "
        "error names a method that fits.",
    )
    max_trace_steps: int = Field(default=64, ge=1, description="Most steps per trace request.")
    max_trace_taps: int = Field(
        default=16_384,
        ge=1,
        description="Most taps in one trace response (steps × taps per step): each tap is a "
        "record of a dozen numbers, about 160 bytes of JSON and a few microseconds to build.",
    )
    max_body_bytes: int = Field(
        default=2_000_000, ge=64, description="Largest request body in bytes."
    )
    compute_threads: int = Field(
        default=1,
        ge=1,
        description="Threads torch (and the BLAS under numpy) may use per request in the "
        "server; requests run concurrently, so one is usually fastest overall.",
    )
    inline_work: int = Field(
        default=100_000,
        ge=0,
        description="Operations needing at most this many multiply-adds (and producing at "
        "most 1/100 as many values, in at most 1/100 as many Python-level steps) run on the "
        "event loop; larger ones in a worker thread, so that they never stall other requests.",
    )

    # The server under load (README, "For classrooms"): bounded work, connections, timeouts.
    # The connection settings are read by ``python -m app.serve`` (``make run``, the
    # container), which hands them to uvicorn; the others by the app itself.
    max_running: int = Field(
        default=1,
        ge=1,
        description="Large computations (and large bodies being decoded) running at once per "
        "process, each in a worker thread. Python runs one thread at a time, so more only "
        "helps numpy's own multi-threaded or GIL-free work; scale with CONVPLAY_WORKERS.",
    )
    max_queued: int = Field(
        default=8,
        ge=0,
        description="Large computations waiting for a slot per process; past that a request "
        "gets a 503 with Retry-After at once.",
    )
    max_page_renders: int = Field(
        default=1,
        ge=1,
        description="Page renders at once per process and lane (steps; whole pages and boards), "
        "each in a worker thread, apart from the API's computations; others wait their turn.",
    )
    max_page_queue: int = Field(
        default=64,
        ge=0,
        description="Page renders waiting per process and lane; past that a page gets a 503 "
        "with Retry-After at once. A step takes a few ms, a board up to about 70 ms.",
    )
    offload_body_bytes: int = Field(
        default=65_536,
        ge=0,
        description="Bodies longer than this are decoded and validated in a worker thread "
        "(through the same queue), not on the event loop.",
    )
    max_connections: int = Field(
        default=512,
        ge=1,
        description="Open connections (and requests in progress) per process; one more is "
        "answered 503 and closed at once.",
    )
    header_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a connection may take to send a request's headers (from its "
        "opening, or the end of the previous response) before it is closed.",
    )
    body_timeout: float = Field(
        default=20.0,
        gt=0,
        description="Seconds a request may take to send its whole body before it gets a 408 "
        "and its connection is closed.",
    )
    keep_alive_timeout: int = Field(
        default=5, ge=1, description="Seconds an idle keep-alive connection stays open."
    )
    shutdown_timeout: int = Field(
        default=5,
        ge=0,
        description="On SIGTERM, seconds to let requests in progress finish before they are "
        "cancelled (a half-sent body is not waited for).",
    )
    max_header_bytes: int = Field(
        default=16_384,
        ge=1_024,
        description="Longest request line plus headers; longer gets a 431.",
    )
    malloc_arenas: int = Field(
        default=2,
        ge=0,
        description="glibc malloc arenas (M_ARENA_MAX) set at startup, so that memory freed by "
        "worker threads goes back to the system; 0 leaves glibc's default (8 per core).",
    )
    switch_interval: float = Field(
        default=0.0005,
        gt=0,
        description="Seconds a thread may hold Python's GIL while another waits for it "
        "(sys.setswitchinterval; Python's default is 0.005). Short, so that the event loop "
        "answers quickly while worker threads compute.",
    )
    inline_trace_taps: int = Field(
        default=128,
        ge=0,
        description="Trace windows of at most this many taps in all (steps × taps per step) "
        "are built on the event loop; larger ones in a worker thread, through the queue.",
    )
    send_timeout: float = Field(
        default=30.0,
        gt=0,
        description="Seconds a client may leave a response unread (the server's send buffer "
        "full) before its connection is dropped, so that an unread answer does not hold "
        "memory and a connection for ever.",
    )
    max_body_memory: int = Field(
        default=64_000_000,
        ge=1,
        description="Most bytes of request bodies held at once per process (the sum over the "
        "requests in progress); a body that would pass it gets a 503 with Retry-After.",
    )
    max_export_frames: int = Field(
        default=100,
        ge=1,
        description="Most frames of an exported animation (/<op>/animation.gif): one per step "
        "of the page; a configuration with more steps gets a 422 saying how many it has.",
    )
    max_figure_pixels: int = Field(
        default=1_382_400,
        ge=10_000,
        description="Most pixels of an exported figure or animation frame (width × height); "
        "its cells shrink to fit, down to 6 pixels, and past that the export gets a 422.",
    )

    # Image mode (/image and POST /api/v1/image/{op}): a picture is larger than any array the
    # JSON API takes, so it has limits of its own; the op's arguments keep the ones above.
    image_max_bytes: int = Field(
        default=5 * 1024 * 1024,
        ge=1024,
        description="Largest uploaded image file in bytes (PNG, JPEG or WebP).",
    )
    image_max_pixels: int = Field(
        default=40_000_000,
        ge=1,
        description="Most pixels (width × height) an uploaded file may declare; more is "
        "refused as a decompression bomb before anything is decoded.",
    )
    image_max_side: int = Field(
        default=512,
        ge=1,
        description="Images are shrunk (keeping their proportions) to at most this many "
        "pixels a side before the operation runs.",
    )
    image_max_output_side: int = Field(
        default=1024,
        ge=1,
        description="Largest height or width of an image operation's output (a transposed "
        "convolution upsamples).",
    )
    image_max_multiplies: int = Field(
        default=120_000_000,
        ge=1,
        description="Most multiply-adds (or intermediate values) of one image operation.",
    )
