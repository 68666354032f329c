#pragma once

#include "backplane/backplane.h"
#include "core/result.h"

#include <QSet>

#include <functional>
#include <memory>
#include <vector>

namespace farmchat {

// The backplane the hub talks to, whatever the mode: it forwards to the
// current Backplane and swaps it live (PUT /admin/backplane). A switch builds
// the new backplane first (refusing with its error when it cannot be built),
// hands it what the old one accepted but had not sent, re-watches every room,
// and retires the old one. No client connection is touched.
//
// Ownership: the switch owns the current backplane and every retired one
// until it has drained (Backplane::retire), at most kRetireDeadlineMs. The
// node destroys the switch before the BackplaneFactory whose Redis links and
// counters the backplanes use, so no backplane outlives them.
class BackplaneSwitch final : public Backplane
{
    Q_OBJECT
public:
    // Builds a backplane for a mode, or says why it cannot (BackplaneFactory::create
    // in the node; a loopback maker in tests).
    using Maker = std::function<Result<std::unique_ptr<Backplane>>(BackplaneMode)>;

    explicit BackplaneSwitch(Maker maker, QObject *parent = nullptr);
    ~BackplaneSwitch() override;

    // Builds the first backplane, or fails with the reason.
    Result<void> start(BackplaneMode mode);
    // Same contract; switching to the current mode changes nothing.
    Result<void> switchTo(BackplaneMode mode);

    // Calls `done` once the current backplane reads
    // every watched room from Redis: the link is up and each room is
    // confirmed (SUBSCRIBE answered, stream position known), so a message
    // another node sends from then on reaches this one. Off is ready at once.
    // A failed link attempt ends the wait early (Redis unreachable: waiting
    // would not help), and so does `waitMs`; then `done` gets why not.
    using ReadyDone = std::function<void(const Result<void> &)>;
    void whenReady(int waitMs, ReadyDone done);

    BackplaneMode mode() const override;
    void publish(const ChatMessage &message, PublishDone done) override;
    void watchRoom(const QString &room) override;
    void unwatchRoom(const QString &room) override;
    bool isRoomReady(const QString &room) const override;
    bool servesHistory() const override;
    void history(const QString &room, const QString &afterId, int limit, HistoryDone done) override;
    BackplaneStatus status() const override;
    QList<Pending> takePending() override;

    QSet<QString> watchedRooms() const { return m_watched; }
    Backplane *current() const { return m_current.get(); }
    // Replaced backplanes still finishing their work in flight.
    int retiringCount() const { return int(m_retiring.size()); }

    // A retired backplane that has not drained by then is destroyed anyway
    // (its destructor answers any sender still waiting). Longer than any
    // Redis command deadline, so it only bites when something is stuck.
    static constexpr int kRetireDeadlineMs = 10000;

private:
    void attach(std::unique_ptr<Backplane> backplane);
    void putAside(std::unique_ptr<Backplane> backplane); // retires it and keeps it until drained
    // Destroys a retired backplane from the event loop: it may be inside one
    // of its own signals when it says it is done.
    void disposeLater(Backplane *backplane);

    Maker m_maker;
    std::unique_ptr<Backplane> m_current;
    std::vector<std::unique_ptr<Backplane>> m_retiring;
    QSet<QString> m_watched;
};

} // namespace farmchat
