#include "platform/readinessloop.h"

#include <QLoggingCategory>
#include <QPointer>
#include <QSocketNotifier>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <vector>

// Linux backend: one level-triggered epoll set, and one QSocketNotifier on
// the epoll descriptor, which is readable while any watched fd is ready. Qt's
// dispatcher therefore polls one descriptor however many connections there
// are, and each activation costs in proportion to the ready ones.

Q_LOGGING_CATEGORY(lcReadiness, "farmchat.platform.readiness")

namespace farmchat {

namespace {

constexpr int kBatchSize = 256;
// Bounds one activation to kBatchSize * kMaxBatches events, so one busy turn
// cannot starve timers and other Qt events; level-triggered epoll keeps the
// rest ready, and the notifier fires again on the next turn.
constexpr int kMaxBatches = 8;

QString systemError(const char *what, int error)
{
    return QString::fromLatin1(what) + QLatin1String(": ")
        + QString::fromLocal8Bit(std::strerror(error));
}

quint32 epollEvents(bool wantRead, bool wantWrite)
{
    return (wantRead ? quint32(EPOLLIN) : 0u) | (wantWrite ? quint32(EPOLLOUT) : 0u);
}

} // namespace

struct ReadinessLoop::Private
{
    // Indexed by fd: descriptors are small dense numbers, so lookup in the
    // dispatch path is one index, no hashing.
    struct Entry
    {
        Handler *handler = nullptr; // null: not watched
        quint32 generation = 0; // bumped by every watch(), stamped into events
        quint32 events = 0; // current interest; 0 = parked, not in the epoll set
    };

    int epollFd = -1;
    int setupError = 0;
    std::unique_ptr<QSocketNotifier> notifier;
    std::vector<Entry> entries;
    int watched = 0;
    quint64 wakeups = 0;
    quint64 dispatched = 0;

    Entry *find(int fd)
    {
        if (fd < 0 || size_t(fd) >= entries.size() || !entries[size_t(fd)].handler)
            return nullptr;
        return &entries[size_t(fd)];
    }

    bool control(int op, int fd, const Entry &entry)
    {
        epoll_event event = {};
        event.events = entry.events;
        event.data.u64 = (quint64(entry.generation) << 32) | quint32(fd);
        return ::epoll_ctl(epollFd, op, fd, &event) == 0;
    }
};

ReadinessLoop::ReadinessLoop(QObject *parent) : QObject(parent), d(std::make_unique<Private>())
{
    d->epollFd = ::epoll_create1(EPOLL_CLOEXEC);
    if (d->epollFd < 0) {
        d->setupError = errno;
        qCWarning(lcReadiness) << systemError("epoll_create1", d->setupError);
        return;
    }
    d->notifier = std::make_unique<QSocketNotifier>(d->epollFd, QSocketNotifier::Read);
    connect(d->notifier.get(), &QSocketNotifier::activated, this, [this] {
        ++d->wakeups;
        QPointer<ReadinessLoop> alive(this);
        epoll_event events[kBatchSize];
        for (int batch = 0; batch < kMaxBatches; ++batch) {
            const int count = ::epoll_wait(d->epollFd, events, kBatchSize, 0);
            if (count < 0 && errno != EINTR)
                qCWarning(lcReadiness) << systemError("epoll_wait", errno);
            for (int i = 0; i < count; ++i) {
                const int fd = int(quint32(events[i].data.u64));
                Private::Entry *entry = d->find(fd);
                // Unwatched (or unwatched and watched again) by an earlier
                // handler in this batch: the event belongs to the old watch.
                if (!entry || entry->generation != quint32(events[i].data.u64 >> 32))
                    continue;
                // Interest dropped by an earlier handler in this batch wins.
                const quint32 flags = events[i].events & (entry->events | EPOLLHUP | EPOLLERR);
                if (!entry->events || !flags)
                    continue;
                ++d->dispatched;
                entry->handler->onReady(
                    fd, flags & EPOLLIN, flags & EPOLLOUT, flags & (EPOLLHUP | EPOLLERR));
                if (!alive)
                    return;
            }
            if (count < kBatchSize)
                break;
        }
    });
}

ReadinessLoop::~ReadinessLoop()
{
    d->notifier.reset(); // before its descriptor goes
    if (d->epollFd >= 0)
        ::close(d->epollFd);
}

const char *ReadinessLoop::backendName()
{
    return "epoll";
}

bool ReadinessLoop::watch(int fd, Handler *handler, bool wantRead, bool wantWrite, QString *error)
{
    auto fail = [error](const QString &reason) {
        if (error)
            *error = reason;
        return false;
    };
    if (d->epollFd < 0)
        return fail(systemError("epoll_create1", d->setupError));
    if (fd < 0)
        return fail(QStringLiteral("invalid descriptor %1").arg(fd));
    if (!handler)
        return fail(QStringLiteral("no handler for descriptor %1").arg(fd));
    if (d->find(fd))
        return fail(QStringLiteral("descriptor %1 is already watched").arg(fd));
    Private::Entry candidate;
    candidate.handler = handler;
    candidate.generation
        = size_t(fd) < d->entries.size() ? d->entries[size_t(fd)].generation + 1 : 1;
    candidate.events = epollEvents(wantRead, wantWrite);
    // A parked descriptor stays out of the epoll set, so check it exists.
    const bool ok
        = candidate.events ? d->control(EPOLL_CTL_ADD, fd, candidate) : ::fcntl(fd, F_GETFD) != -1;
    if (!ok) {
        const int code = errno;
        return fail(QStringLiteral("cannot watch descriptor %1: ").arg(fd)
            + QString::fromLocal8Bit(std::strerror(code)));
    }
    if (size_t(fd) >= d->entries.size()) // only now: a failed watch grows nothing
        d->entries.resize(size_t(fd) + 1);
    d->entries[size_t(fd)] = candidate;
    ++d->watched;
    return true;
}

bool ReadinessLoop::update(int fd, bool wantRead, bool wantWrite)
{
    Private::Entry *entry = d->find(fd);
    if (!entry)
        return false;
    const quint32 events = epollEvents(wantRead, wantWrite);
    if (events == entry->events)
        return true;
    const int op = !entry->events ? EPOLL_CTL_ADD : !events ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
    const quint32 previous = entry->events;
    entry->events = events;
    if (!d->control(op, fd, *entry)) {
        qCWarning(lcReadiness) << "update of descriptor" << fd << systemError("epoll_ctl", errno);
        entry->events = previous;
        return false;
    }
    return true;
}

void ReadinessLoop::unwatch(int fd)
{
    Private::Entry *entry = d->find(fd);
    if (!entry)
        return;
    // Fails harmlessly (EBADF) if the caller closed the fd first; the kernel
    // then dropped it from the set itself, unless the file lives on elsewhere.
    if (entry->events)
        ::epoll_ctl(d->epollFd, EPOLL_CTL_DEL, fd, nullptr);
    entry->handler = nullptr;
    entry->events = 0;
    --d->watched;
}

bool ReadinessLoop::isWatched(int fd) const
{
    return d->find(fd) != nullptr;
}

int ReadinessLoop::watchedCount() const
{
    return d->watched;
}

quint64 ReadinessLoop::wakeups() const
{
    return d->wakeups;
}

quint64 ReadinessLoop::eventsDispatched() const
{
    return d->dispatched;
}

} // namespace farmchat
