#include "platform/readinessloop.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QHash>
#include <QScopeGuard>
#include <QTest>
#include <QTimer>

#include <fcntl.h>
#include <functional>
#include <memory>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

using namespace farmchat;

namespace {

// Counts what one descriptor was told; `then` lets a test act inside the call.
struct Recorder : ReadinessLoop::Handler
{
    int calls = 0;
    int readable = 0;
    int writable = 0;
    int hangups = 0;
    std::function<void(int fd)> then;

    void onReady(int fd, bool isReadable, bool isWritable, bool hangupOrError) override
    {
        ++calls;
        readable += isReadable;
        writable += isWritable;
        hangups += hangupOrError;
        if (then)
            then(fd);
    }
};

// Descriptors a test opened; its QScopeGuard closes whatever is still open.
struct Descriptors
{
    std::vector<int> fds;

    // A connected, non-blocking AF_UNIX stream pair; {-1, -1} on failure.
    std::pair<int, int> openPair()
    {
        int sv[2] = {-1, -1};
        if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
            return {-1, -1};
        for (int fd : sv) {
            ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
            ::fcntl(fd, F_SETFD, FD_CLOEXEC);
            fds.push_back(fd);
        }
        return {sv[0], sv[1]};
    }
    void close(int fd)
    {
        for (int &open : fds) {
            if (open == fd) {
                ::close(fd);
                open = -1;
            }
        }
    }
    void closeAll()
    {
        for (int fd : fds)
            if (fd >= 0)
                ::close(fd);
        fds.clear();
    }
};

bool sendByte(int fd)
{
    const char byte = 'x';
    return ::write(fd, &byte, 1) == 1;
}

// Reads what is there; returns the bytes read, 0 at EOF, -1 when none yet.
qint64 drain(int fd)
{
    char buffer[256];
    qint64 total = 0;
    for (;;) {
        const auto n = ::read(fd, buffer, sizeof(buffer));
        if (n > 0) {
            total += n;
            continue;
        }
        if (n == 0)
            return total;
        return total > 0 ? total : -1;
    }
}

} // namespace

class tst_ReadinessLoop : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void readableOnlyForTheDescriptorWithData();
    void idleDescriptorsCostNothing();
    void oneWakeupServesABoundedBatch();
    void writeInterestFollowsUpdate();
    void unwatchOfAnotherInTheSameBatch();
    void parkingOfAnotherInTheSameBatch();
    void unwatchAndCloseOfTheCurrentDescriptor();
    void peerCloseIsReported();
    void watchRefusesBadDescriptors();
    void dispatchCostPrinted();
};

void tst_ReadinessLoop::initTestCase()
{
    qInfo("backend: %s", ReadinessLoop::backendName());
}

void tst_ReadinessLoop::readableOnlyForTheDescriptorWithData()
{
    Descriptors open;
    auto closeAll = qScopeGuard([&] { open.closeAll(); });
    ReadinessLoop loop;
    std::vector<std::pair<int, int>> pairs;
    Recorder recorders[3];
    for (Recorder &recorder : recorders) {
        pairs.push_back(open.openPair());
        QVERIFY(pairs.back().first >= 0);
        recorder.then = [](int fd) { drain(fd); };
        QString error;
        QVERIFY2(loop.watch(pairs.back().first, &recorder, true, false, &error), qPrintable(error));
    }
    QCOMPARE(loop.watchedCount(), 3);

    QVERIFY(sendByte(pairs[1].second));
    QTRY_COMPARE_WITH_TIMEOUT(recorders[1].readable, 1, 5000);
    // Data for the last pair afterwards: once it is served, the loop has
    // turned past any moment the first pair could have been wrongly reported.
    QVERIFY(sendByte(pairs[2].second));
    QTRY_COMPARE_WITH_TIMEOUT(recorders[2].readable, 1, 5000);
    QCOMPARE(recorders[0].calls, 0);
    QCOMPARE(recorders[1].calls, 1); // drained: level-triggered, but not again
    QCOMPARE(recorders[1].writable, 0);
}

void tst_ReadinessLoop::idleDescriptorsCostNothing()
{
    constexpr int idlePairs = 2000;
    constexpr int rounds = 100;
    Descriptors open;
    auto closeAll = qScopeGuard([&] { open.closeAll(); });
    ReadinessLoop loop;
    Recorder idle;
    for (int i = 0; i < idlePairs; ++i) {
        const auto pair = open.openPair();
        QVERIFY2(pair.first >= 0, "socketpair failed; is the descriptor limit below 4,100?");
        QVERIFY(loop.watch(pair.first, &idle, true, false));
    }
    const auto active = open.openPair();
    QVERIFY(active.first >= 0);
    Recorder served;
    // Each byte served asks for the next one: `rounds` loop turns, one ready fd.
    served.then = [&](int fd) {
        drain(fd);
        if (served.calls < rounds)
            sendByte(active.second);
    };
    QVERIFY(loop.watch(active.first, &served, true, false));
    QVERIFY(sendByte(active.second));
    QTRY_COMPARE_WITH_TIMEOUT(served.calls, rounds, 10000);
    QCOMPARE(idle.calls, 0);
    QCOMPARE(served.readable, rounds);
    // Proportional to the active descriptor, not to the 2,000 idle ones.
    QVERIFY2(loop.eventsDispatched() <= quint64(rounds) + 1,
        qPrintable(QString::number(loop.eventsDispatched())));
    QVERIFY(loop.wakeups() <= quint64(rounds) + 1);
}

void tst_ReadinessLoop::oneWakeupServesABoundedBatch()
{
    // readinessloop_epoll.cpp drains at most 8 batches of 256 per activation
    // and leaves the rest, still ready, for the next turn of the Qt loop.
    constexpr int maxPerWakeup = 8 * 256;
    constexpr int readyPairs = maxPerWakeup + 100;
    Descriptors open;
    auto closeAll = qScopeGuard([&] { open.closeAll(); });
    ReadinessLoop loop;
    QHash<quint64, int> callsPerWakeup;
    Recorder recorder;
    recorder.then = [&](int fd) {
        drain(fd);
        ++callsPerWakeup[loop.wakeups()];
    };
    for (int i = 0; i < readyPairs; ++i) {
        const auto pair = open.openPair();
        QVERIFY2(pair.first >= 0, "socketpair failed; is the descriptor limit below 4,300?");
        QVERIFY(loop.watch(pair.first, &recorder, true, false));
        QVERIFY(sendByte(pair.second)); // all ready before the loop runs
    }
    QTRY_COMPARE_WITH_TIMEOUT(recorder.calls, readyPairs, 10000);
    QCOMPARE(recorder.readable, readyPairs); // each once: drained when served
    for (int calls : std::as_const(callsPerWakeup))
        QVERIFY2(calls <= maxPerWakeup, qPrintable(QString::number(calls)));
    QVERIFY(callsPerWakeup.size() >= 2);
}

void tst_ReadinessLoop::writeInterestFollowsUpdate()
{
    Descriptors open;
    auto closeAll = qScopeGuard([&] { open.closeAll(); });
    ReadinessLoop loop;
    const auto pair = open.openPair();
    QVERIFY(pair.first >= 0);
    Recorder recorder;
    QVERIFY(loop.watch(pair.first, &recorder, false, false)); // parked
    QVERIFY(loop.update(pair.first, false, false)); // unchanged: nothing to do
    QVERIFY(!loop.update(pair.second, true, false)); // not watched

    // Level-triggered: writable again every turn until interest is dropped.
    recorder.then = [&](int fd) {
        if (recorder.writable == 3)
            loop.update(fd, true, false);
        if (recorder.readable)
            drain(fd);
    };
    QVERIFY(loop.update(pair.first, false, true));
    QTRY_COMPARE_WITH_TIMEOUT(recorder.writable, 3, 5000);
    // Now read only: a byte from the peer is the next (and only) thing seen.
    QVERIFY(sendByte(pair.second));
    QTRY_COMPARE_WITH_TIMEOUT(recorder.readable, 1, 5000);
    QCOMPARE(recorder.writable, 3);
    QCOMPARE(recorder.calls, 4);
}

void tst_ReadinessLoop::unwatchOfAnotherInTheSameBatch()
{
    Descriptors open;
    auto closeAll = qScopeGuard([&] { open.closeAll(); });
    ReadinessLoop loop;
    const auto first = open.openPair();
    const auto second = open.openPair();
    const auto sentinel = open.openPair();
    QVERIFY(first.first >= 0 && second.first >= 0 && sentinel.first >= 0);
    Recorder recorders[2];
    Recorder reused;
    Recorder last;
    last.then = [](int fd) { drain(fd); };
    // Whichever runs first unwatches and closes the other, then puts a fresh
    // socket (no data) at the other's number and watches it: the stale event
    // queued for the old socket must reach neither the old nor the new handler.
    for (int i = 0; i < 2; ++i) {
        const int other = i == 0 ? second.first : first.first;
        recorders[i].then = [&, other](int fd) {
            drain(fd);
            loop.unwatch(other);
            open.close(other);
            const auto fresh = open.openPair();
            if (fresh.first != other) {
                QVERIFY(::dup2(fresh.first, other) == other);
                open.fds.push_back(other);
                open.close(fresh.first);
            }
            QVERIFY(loop.watch(other, &reused, true, false));
        };
    }
    QVERIFY(loop.watch(first.first, &recorders[0], true, false));
    QVERIFY(loop.watch(second.first, &recorders[1], true, false));
    QVERIFY(loop.watch(sentinel.first, &last, true, false));
    // Both ready before the loop runs: one epoll_wait (one poll()) sees both.
    QVERIFY(sendByte(first.second));
    QVERIFY(sendByte(second.second));
    QTRY_COMPARE_WITH_TIMEOUT(recorders[0].calls + recorders[1].calls, 1, 5000);
    QVERIFY(sendByte(sentinel.second));
    QTRY_COMPARE_WITH_TIMEOUT(last.calls, 1, 5000);
    QCOMPARE(recorders[0].calls + recorders[1].calls, 1);
    QCOMPARE(reused.calls, 0);
    QCOMPARE(loop.watchedCount(), 3);
}

void tst_ReadinessLoop::parkingOfAnotherInTheSameBatch()
{
    Descriptors open;
    auto closeAll = qScopeGuard([&] { open.closeAll(); });
    ReadinessLoop loop;
    const auto first = open.openPair();
    const auto second = open.openPair();
    QVERIFY(first.first >= 0 && second.first >= 0);
    // Both writable at once; whichever runs first parks itself and the other.
    Recorder recorder;
    recorder.then = [&](int) {
        loop.update(first.first, false, false);
        loop.update(second.first, false, false);
    };
    QVERIFY(loop.watch(first.first, &recorder, false, true));
    QVERIFY(loop.watch(second.first, &recorder, false, true));
    QTRY_COMPARE_WITH_TIMEOUT(recorder.calls, 1, 5000);
    Recorder last; // a later turn, to show nothing else arrives
    last.then = [&](int fd) { loop.update(fd, false, false); };
    QVERIFY(loop.watch(first.second, &last, false, true));
    QTRY_COMPARE_WITH_TIMEOUT(last.calls, 1, 5000);
    loop.unwatch(first.second);
    QCOMPARE(recorder.calls, 1);
}

void tst_ReadinessLoop::unwatchAndCloseOfTheCurrentDescriptor()
{
    Descriptors open;
    auto closeAll = qScopeGuard([&] { open.closeAll(); });
    ReadinessLoop loop;
    const auto pair = open.openPair();
    const auto sentinel = open.openPair();
    QVERIFY(pair.first >= 0 && sentinel.first >= 0);
    // The connection object goes away inside its own callback, as a closing
    // connection would: the loop must not touch it afterwards.
    auto handler = std::make_unique<Recorder>();
    int closedFd = -1;
    handler->then = [&](int fd) {
        loop.unwatch(fd);
        open.close(fd);
        closedFd = fd;
        handler.reset();
    };
    Recorder last;
    last.then = [](int fd) { drain(fd); };
    QVERIFY(loop.watch(pair.first, handler.get(), true, true));
    QVERIFY(loop.watch(sentinel.first, &last, true, false));
    QVERIFY(sendByte(pair.second));
    QVERIFY(sendByte(sentinel.second));
    QTRY_VERIFY_WITH_TIMEOUT(!handler, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(last.calls, 1, 5000);
    QCOMPARE(closedFd, pair.first);
    QVERIFY(!loop.isWatched(pair.first));
    QCOMPARE(loop.watchedCount(), 1);
    loop.unwatch(pair.first); // twice is harmless
}

void tst_ReadinessLoop::peerCloseIsReported()
{
    Descriptors open;
    auto closeAll = qScopeGuard([&] { open.closeAll(); });
    ReadinessLoop loop;
    const auto pair = open.openPair();
    QVERIFY(pair.first >= 0);
    Recorder recorder;
    bool sawEof = false;
    recorder.then = [&](int fd) {
        if (drain(fd) == 0) {
            sawEof = true;
            loop.unwatch(fd);
        }
    };
    QVERIFY(loop.watch(pair.first, &recorder, true, false));
    open.close(pair.second);
    QTRY_VERIFY_WITH_TIMEOUT(sawEof, 5000);
    QVERIFY(recorder.readable + recorder.hangups >= 1);
    qInfo("peer close: readable %d, hangupOrError %d", recorder.readable, recorder.hangups);
}

void tst_ReadinessLoop::watchRefusesBadDescriptors()
{
    Descriptors open;
    auto closeAll = qScopeGuard([&] { open.closeAll(); });
    ReadinessLoop loop;
    Recorder recorder;
    QString error;
    QVERIFY(!loop.watch(-1, &recorder, true, false, &error));
    QVERIFY2(error.contains(QLatin1String("invalid descriptor")), qPrintable(error));

    const auto pair = open.openPair();
    QVERIFY(pair.first >= 0);
    const int closed = pair.second;
    open.close(closed);
    for (bool wantRead : {true, false}) { // in the epoll set, and parked
        error.clear();
        QVERIFY(!loop.watch(closed, &recorder, wantRead, false, &error));
        QVERIFY2(error.contains(QString::number(closed)), qPrintable(error));
    }

    QVERIFY(!loop.watch(pair.first, nullptr, true, false, &error));
    QVERIFY(loop.watch(pair.first, &recorder, true, false, &error));
    QVERIFY(!loop.watch(pair.first, &recorder, true, false, &error));
    QVERIFY2(error.contains(QLatin1String("already watched")), qPrintable(error));
    QCOMPARE(loop.watchedCount(), 1);
    QVERIFY(!loop.watch(pair.first + 100000, &recorder, true, false)); // never opened
    QCOMPARE(recorder.calls, 0);
}

// Printed, never asserted: what a round of 10 active descriptors costs beside
// 10,000 idle ones. Run the tst_readiness_notifier build for the fallback.
void tst_ReadinessLoop::dispatchCostPrinted()
{
    constexpr int idlePairs = 5000; // both ends watched: 10,000 idle descriptors
    constexpr int activePairs = 10;
    constexpr int rounds = 200;
    Descriptors open;
    auto closeAll = qScopeGuard([&] { open.closeAll(); });
    ReadinessLoop loop;
    Recorder idle;
    for (int i = 0; i < idlePairs; ++i) {
        const auto pair = open.openPair();
        if (pair.first < 0)
            QSKIP("not enough descriptors for 10,000 idle ones");
        QVERIFY(loop.watch(pair.first, &idle, true, false));
        QVERIFY(loop.watch(pair.second, &idle, true, false));
    }
    std::vector<std::pair<int, int>> active;
    for (int i = 0; i < activePairs; ++i)
        active.push_back(open.openPair());
    QEventLoop events;
    int served = 0;
    int round = 0;
    auto startRound = [&] {
        for (const auto &pair : active)
            sendByte(pair.second);
    };
    Recorder recorder;
    recorder.then = [&](int fd) {
        drain(fd);
        if (++served % activePairs != 0)
            return;
        if (++round == rounds)
            events.quit();
        else
            startRound();
    };
    for (const auto &pair : active)
        QVERIFY(pair.first >= 0 && loop.watch(pair.first, &recorder, true, false));
    QTimer::singleShot(60000, &events, &QEventLoop::quit); // bound, not a measure
    QElapsedTimer clock;
    clock.start();
    startRound();
    events.exec();
    const qint64 elapsed = clock.nsecsElapsed();
    QCOMPARE(round, rounds);
    QCOMPARE(idle.calls, 0);
    qInfo("%s: 10,000 idle + 10 active fds: %.1f us per round of 10 (%llu wakeups, %llu events)",
        ReadinessLoop::backendName(), double(elapsed) / rounds / 1000.0,
        static_cast<unsigned long long>(loop.wakeups()),
        static_cast<unsigned long long>(loop.eventsDispatched()));
}

QTEST_GUILESS_MAIN(tst_ReadinessLoop)
#include "tst_readiness.moc"
