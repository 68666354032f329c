#pragma once

#include "server/backplane.h"

#include <QSet>

#include <functional>
#include <memory>

namespace farmchat {

// The backplane the hub talks to, whatever the mode: it forwards to the
// current Backplane and swaps it live (PUT /admin/backplane). A switch builds
// the new backplane first (refusing with its error when it cannot be built),
// hands it what the old one accepted but had not sent, re-watches every room,
// and retires the old one. No client connection is touched.
class BackplaneSwitch final : public Backplane
{
    Q_OBJECT
public:
    // Builds a backplane for a mode, or returns nullptr with *error set
    // (BackplaneFactory::create in the node; a loopback maker in tests).
    using Maker = std::function<std::unique_ptr<Backplane>(BackplaneMode, QString *error)>;

    explicit BackplaneSwitch(Maker maker, QObject *parent = nullptr);
    ~BackplaneSwitch() override;

    // Builds the first backplane; the empty string on success, else the reason.
    QString start(BackplaneMode mode);
    // Same contract; switching to the current mode changes nothing.
    QString switchTo(BackplaneMode mode);

    BackplaneMode mode() const override;
    void publish(const ChatMessage &message, PublishDone done) override;
    void watchRoom(const QString &room) override;
    void unwatchRoom(const QString &room) override;
    bool servesHistory() const override;
    void history(const QString &room, const QString &afterId, int limit, HistoryDone done) override;
    BackplaneStatus status() const override;
    QList<Pending> takePending() override;

    QSet<QString> watchedRooms() const { return m_watched; }
    Backplane *current() const { return m_current.get(); }

private:
    void attach(std::unique_ptr<Backplane> backplane);
    void retire(std::unique_ptr<Backplane> backplane);

    Maker m_maker;
    std::unique_ptr<Backplane> m_current;
    QSet<QString> m_watched;
};

} // namespace farmchat
