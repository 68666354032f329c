#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <vector>

namespace farmchat {

// What the scheduler drives: a connection with output to flush once per turn
// and deadlines to check on every tick (HubSession). It keeps the
// scheduler's bookkeeping, so adding, removing and scheduling cost O(1).
class ScheduledSession
{
protected:
    ~ScheduledSession() = default;

    // Writes what is queued (once per turn it asked for).
    virtual void flush() = 0;
    // Checks the session's deadlines against the scheduler's clock.
    virtual void tick(qint64 nowMs) = 0;

private:
    friend class SessionScheduler;
    qsizetype m_tickSlot = -1; // index in SessionScheduler's list
    bool m_flushScheduled = false;
};

// The node's per-connection housekeeping, done in bulk so that no message
// costs a timer restart or a write() of its own. Sessions with output pending
// are flushed once per event-loop turn, all together before the loop polls, so
// every record a client gets in that turn leaves in one write; and one
// node-wide timer checks every session's keep-alive, client timeout and
// handshake deadline against timestamps (a QTimer restarted per send was 5 to
// 17 % of the node's CPU under load). Node owns it; HubSession uses it.
class SessionScheduler : public QObject
{
    Q_OBJECT
public:
    explicit SessionScheduler(int tickMs, QObject *parent = nullptr);
    ~SessionScheduler() override;

    // A tick a quarter of the shortest deadline, at most a second: a deadline
    // is met at most that late (a 15 s keep-alive Ping within 16 s).
    static int tickIntervalFor(int keepAliveMs, int clientTimeoutMs, int handshakeTimeoutMs);

    // Milliseconds on the node's monotonic clock.
    qint64 now() const { return m_clock.elapsed(); }
    int tickMs() const { return m_ticker.interval(); }

    // Ticked from now on; remove() when it is gone (idempotent, also
    // forgets a flush it had asked for).
    void add(ScheduledSession *session);
    void remove(ScheduledSession *session);
    // `session` has output: flush() it once this turn's events are handled.
    void scheduleFlush(ScheduledSession *session);

private:
    void flushAll();
    void tick();

    QElapsedTimer m_clock;
    QTimer m_ticker;
    std::vector<ScheduledSession *> m_sessions; // index kept in ScheduledSession::m_tickSlot
    std::vector<ScheduledSession *> m_dirty; // to flush this turn; null when removed since
    std::vector<ScheduledSession *> m_flushing; // being flushed now; null when removed since
    bool m_flushBeforePoll = false; // the dispatcher's signals flush; nothing is posted
    bool m_flushPosted = false;
};

} // namespace farmchat
