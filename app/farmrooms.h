#pragma once

#include "core/result.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QStringList>

#include <functional>

namespace farmchat {

class FarmSupervisor;
class PaneSession;

// The rooms the panes chat in. A room picked in any pane is joined by every
// pane, so each pane is a receiver the delivery matrix expects, and a pane
// made later joins them too. Counts the messages sent to each room, and on a
// Redis Cluster farm says which shard holds a room (the slot of its pub/sub
// channel) and whether that shard serves now.
class FarmRooms : public QObject
{
    Q_OBJECT
public:
    static constexpr int kMaxRooms = 24; // lobby included: a picker stays a short list

    explicit FarmRooms(const FarmSupervisor &farm, QObject *parent = nullptr);

    // Lobby first, then in the order they were first used.
    QStringList names() const { return m_names; }
    // What every picker offers besides the rooms in use.
    static QStringList suggestions();
    // Every pane of `panes` joins `room` (at once when it is in use);
    // `ready` runs when each has answered. An error names what is wrong with
    // the room, and nothing is joined.
    Result<void> use(
        const QString &room, const QList<PaneSession *> &panes, std::function<void()> ready);
    // A new pane joins the rooms in use.
    void joinAll(PaneSession &pane) const;
    void countSent(const QString &room);
    // The shard holding `room`; -1 on a farm without a cluster.
    int shardOf(const QString &room) const;
    // The rooms in use on `shard`, each with the messages sent to it
    // ("lobby 3, dev 1"; empty when none), and those messages' total.
    struct ShardTraffic
    {
        QString rooms;
        int sent = 0;
    };
    ShardTraffic onShard(int shard) const;
    // Why messages to `room` cannot cross nodes now (its shard is down);
    // empty when they can, or without a cluster.
    QString shardTrouble(const QString &room) const;
    // The farm stopped: the lobby only, no counts.
    void reset();

Q_SIGNALS:
    void changed();

private:
    const FarmSupervisor &m_farm;
    QStringList m_names;
    QHash<QString, int> m_sent;
};

} // namespace farmchat
