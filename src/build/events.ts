/**
 * What a build reports while it runs. The library never prints: the CLI renders these as
 * docker-style step lines (or only the image ID with --quiet), tests collect them in an array.
 */
export type BuildEvent =
  /** A step starts: `STEP 3/7: RUN make`. `stage` is the stage's name or index. */
  | { type: 'step'; step: number; total: number; stage: string; text: string }
  /** The step's result came from the build cache (`--> Using cache <id>`). */
  | { type: 'cached'; step: number; id: string }
  /** The step ran and produced this intermediate state (`--> <id>`). */
  | { type: 'done'; step: number; id: string }
  /** Output of a RUN step's process, as it arrives. */
  | { type: 'output'; step: number; stream: 'stdout' | 'stderr'; data: Buffer }
  /** A base image is pulled (missing locally, or --pull). */
  | { type: 'pull'; image: string }
  /** A stage was left out: nothing the target needs comes from it. */
  | { type: 'skip-stage'; stage: string }
  /** The final image, with the names it got. */
  | { type: 'image'; id: string; names: string[] }
  /** Something the user should know that does not stop the build (an unused --build-arg). */
  | { type: 'warning'; text: string };

export type BuildEventSink = (e: BuildEvent) => void;
