#pragma once

#include <QObject>
#include <QString>

#include <memory>

namespace farmchat {

// Tells per-connection handlers (plain objects, no QObject each) when their
// descriptors can be read or written, on the Qt event loop that runs the rest
// of the node. On Linux one epoll set sits behind one QSocketNotifier, so the
// work per loop turn grows with the ACTIVE descriptors, not the watched ones;
// elsewhere a portable fallback keeps the same contract (docs/CONNECTIONS.md).
//
// Contract for handlers and callers:
// - Descriptors should be non-blocking; the loop never changes their flags.
//   One thread: the loop and its handlers live on the thread that made it.
// - Level-triggered: a handler is called again every turn while the condition
//   holds, so it reads until EAGAIN or leaves data for the next call, and asks
//   for write readiness only while it has output pending.
// - Peer close shows as `readable` with read() returning 0; `hangupOrError`
//   is an extra hint some backends give (epoll), never the only signal.
// - watch/update/unwatch may be called from inside any handler, for any fd. An
//   event still pending for an fd that was unwatched is not delivered, even if
//   the same number was watched again in the meantime.
// - unwatch(fd) BEFORE close(fd): a closed-but-still-watched descriptor whose
//   file lives on in a dup() or a child process keeps reporting events.
// - A parked descriptor (neither read nor write wanted) reports nothing, not
//   even a hangup; it is seen once interest is turned back on.
// - Do not delete the loop from inside a handler; use deleteLater().
class ReadinessLoop : public QObject
{
    Q_OBJECT
public:
    // What a connection implements to be told about its descriptor. Not
    // owned by the loop; it must outlive its watch (unwatch, then destroy).
    class Handler
    {
    public:
        virtual ~Handler() = default;
        virtual void onReady(int fd, bool readable, bool writable, bool hangupOrError) = 0;

    protected:
        Handler() = default;
        Handler(const Handler &) = default;
        Handler &operator=(const Handler &) = default;
    };

    explicit ReadinessLoop(QObject *parent = nullptr);
    ~ReadinessLoop() override;

    // "epoll" or "QSocketNotifier": which backend this build uses.
    static const char *backendName();

    // Starts reporting `fd` to `handler`. Fails, with a readable reason in
    // `error`, for a negative, closed or unpollable descriptor, a null handler,
    // an fd already watched, or when the backend could not be set up.
    bool watch(int fd, Handler *handler, bool wantRead, bool wantWrite, QString *error = nullptr);
    // Changes what `fd` is watched for; no system call when nothing changed.
    // False when `fd` is not watched or the kernel refused the change.
    bool update(int fd, bool wantRead, bool wantWrite);
    // Stops reporting `fd`; a no-op for an fd not watched.
    void unwatch(int fd);

    bool isWatched(int fd) const;
    int watchedCount() const;

    // For tests and metrics: activations of the loop's notifier(s), and
    // handler calls made.
    quint64 wakeups() const;
    quint64 eventsDispatched() const;

private:
    struct Private; // one per backend, in readinessloop_<backend>.cpp
    std::unique_ptr<Private> d;
};

} // namespace farmchat
