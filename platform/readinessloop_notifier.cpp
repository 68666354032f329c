#include "platform/readinessloop.h"

#include <QSocketNotifier>

#include <unordered_map>

#ifdef Q_OS_WIN
#include <winsock2.h>
#else
#include <fcntl.h>
#endif

// Portable fallback, used on macOS, Windows and other non-Linux systems until
// a kqueue (macOS/BSD) variant is written: one QSocketNotifier per descriptor
// and direction. Same contract as the epoll backend, but Qt's dispatcher
// polls every watched descriptor on every loop turn, so the cost per turn
// grows with the watched descriptors, not the active ones. It never reports
// hangupOrError; peer close shows as readable with EOF, as the header says.
// Unverified on Windows, where Qt's notifiers sit on WSAAsyncSelect and are
// not truly level-triggered: a handler there should read until EWOULDBLOCK.

namespace farmchat {

namespace {

bool isOpenDescriptor(int fd)
{
#ifdef Q_OS_WIN
    int type = 0;
    int length = sizeof(type);
    return ::getsockopt(SOCKET(fd), SOL_SOCKET, SO_TYPE, reinterpret_cast<char *>(&type), &length)
        == 0;
#else
    return ::fcntl(fd, F_GETFD) != -1;
#endif
}

} // namespace

struct ReadinessLoop::Private
{
    struct Entry
    {
        Handler *handler = nullptr;
        quint32 generation = 0;
        // Children of the loop; deleteLater() on unwatch, because unwatch may
        // run inside the notifier's own activated() signal.
        QSocketNotifier *read = nullptr;
        QSocketNotifier *write = nullptr;
    };

    std::unordered_map<int, Entry> entries;
    quint32 nextGeneration = 0;
    quint64 wakeups = 0;
    quint64 dispatched = 0;
};

ReadinessLoop::ReadinessLoop(QObject *parent) : QObject(parent), d(std::make_unique<Private>()) { }

ReadinessLoop::~ReadinessLoop() = default; // the notifiers are children

const char *ReadinessLoop::backendName()
{
    return "QSocketNotifier";
}

bool ReadinessLoop::watch(int fd, Handler *handler, bool wantRead, bool wantWrite, QString *error)
{
    QString reason;
    if (fd < 0)
        reason = QStringLiteral("invalid descriptor %1").arg(fd);
    else if (!handler)
        reason = QStringLiteral("no handler for descriptor %1").arg(fd);
    else if (d->entries.count(fd))
        reason = QStringLiteral("descriptor %1 is already watched").arg(fd);
    else if (!isOpenDescriptor(fd))
        reason = QStringLiteral("cannot watch descriptor %1: not an open descriptor").arg(fd);
    if (!reason.isEmpty()) {
        if (error)
            *error = reason;
        return false;
    }
    Private::Entry entry;
    entry.handler = handler;
    entry.generation = ++d->nextGeneration;
    const quint32 generation = entry.generation;
    auto makeNotifier = [this, fd, generation](QSocketNotifier::Type type, bool enabled) {
        auto *notifier = new QSocketNotifier(fd, type, this);
        notifier->setEnabled(enabled);
        const bool readable = type == QSocketNotifier::Read;
        connect(notifier, &QSocketNotifier::activated, this, [this, fd, generation, readable] {
            ++d->wakeups;
            const auto it = d->entries.find(fd);
            if (it == d->entries.end() || it->second.generation != generation)
                return; // unwatched since Qt saw it ready
            ++d->dispatched;
            it->second.handler->onReady(fd, readable, !readable, false);
        });
        return notifier;
    };
    entry.read = makeNotifier(QSocketNotifier::Read, wantRead);
    entry.write = makeNotifier(QSocketNotifier::Write, wantWrite);
    d->entries.emplace(fd, entry);
    return true;
}

bool ReadinessLoop::update(int fd, bool wantRead, bool wantWrite)
{
    const auto it = d->entries.find(fd);
    if (it == d->entries.end())
        return false;
    // setEnabled() is itself a no-op when nothing changes.
    it->second.read->setEnabled(wantRead);
    it->second.write->setEnabled(wantWrite);
    return true;
}

void ReadinessLoop::unwatch(int fd)
{
    const auto it = d->entries.find(fd);
    if (it == d->entries.end())
        return;
    for (QSocketNotifier *notifier : {it->second.read, it->second.write}) {
        notifier->setEnabled(false); // unregisters now, before the fd is closed
        notifier->deleteLater();
    }
    d->entries.erase(it);
}

bool ReadinessLoop::isWatched(int fd) const
{
    return d->entries.count(fd) != 0;
}

int ReadinessLoop::watchedCount() const
{
    return int(d->entries.size());
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
