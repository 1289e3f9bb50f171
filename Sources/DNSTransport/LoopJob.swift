/// A job of a task whose executor preference is an ``EventLoop``, with the
/// executor to run it on.
struct LoopJob: Sendable {
    let job: UnownedJob
    let executor: UnownedTaskExecutor

    /// Runs the job on the calling thread (the loop's), as `executor`.
    func run() {
        job.runSynchronously(on: executor)
    }

    /// Hands the job to the global concurrent executor (the loop is gone).
    func runElsewhere() {
        globalConcurrentExecutor.enqueue(ExecutorJob(job))
    }
}
