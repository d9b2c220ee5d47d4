/// A first-come, first-served lock for async code. Not reentrant.
actor AsyncLock {
    private var isLocked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var head = 0

    func lock() async {
        if !isLocked {
            isLocked = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func unlock() {
        if head < waiters.count {
            let next = waiters[head]
            head += 1
            if head > 64, head * 2 > waiters.count {
                waiters.removeFirst(head)
                head = 0
            }
            next.resume()  // ownership passes straight to the next waiter
        } else {
            waiters.removeAll(keepingCapacity: true)
            head = 0
            isLocked = false
        }
    }
}
