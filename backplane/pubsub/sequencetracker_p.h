#pragma once

#include <QHash>
#include <QString>

namespace farmchat {

// Counts what a pubsub receiver missed: per (origin node, room) it remembers
// the last sequence number seen and that origin's boot; a jump is a gap of
// exactly the missing count. A new boot, or a room watched anew, starts a new
// baseline (what was missed before it cannot be known and is not guessed).
class SequenceTracker
{
public:
    struct Result
    {
        qint64 missed = 0; // messages skipped before this one
        bool stale = false; // at or below the last seen: a repeat, not delivered
    };

    Result observe(const QString &origin, const QString &room, const QString &boot, qint64 seq);
    void forgetRoom(const QString &room);
    qsizetype size() const { return m_last.size(); }

private:
    struct Last
    {
        QString boot;
        qint64 seq = 0;
    };
    QHash<QString, QHash<QString, Last>> m_last; // room -> origin -> last
};

} // namespace farmchat
