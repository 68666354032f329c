#pragma once

#include "protocol/chatmessage.h"

#include <QHash>
#include <QMap>
#include <QString>

#include <deque>
#include <vector>

namespace farmchat {

// What the topology view animates, without painting: tokens travelling a
// message's path (origin node → Redis → each receiving node, or a pulse on
// the origin node when the message stayed local), plus a running count per
// link. Bounded under load: at most kMaxTokens fly at once; a message that
// would start a token right behind another on the same link joins it (the
// token shows "×N"), and past the cap only the link counts move. The view
// runs its timer only while busy() is true.
class TopologyFlow
{
public:
    static constexpr int kRedis = -1; // endpoint id of the Redis box
    static constexpr int kMaxTokens = 48;
    static constexpr int kLegMs = 550; // one link end to end
    static constexpr double kJoinWindow = 0.25; // progress within which a new message joins a token
    static constexpr int kRememberedIds = 4096;

    struct Token
    {
        int from = 0; // node index or kRedis
        int to = 0; // equals `from` for a local pulse
        double progress = 0.0; // 0..1
        int count = 1; // messages this token stands for
        quint64 serial = 0;
        QMap<int, int> fanout; // up-leg only: node -> messages to hand on at Redis
    };

    // Pane on node `at` received message `id` sent on node `origin` (-1: unknown).
    void messageSeen(int origin, int at, Via via, const QString &id);
    // Moves tokens on by `elapsedMs`; tokens that arrive at Redis hand on their fanout.
    void advance(int elapsedMs);
    bool busy() const { return !m_tokens.empty(); }
    const std::vector<Token> &tokens() const { return m_tokens; }
    // Messages that crossed link from → to so far (kRedis for the Redis end).
    quint64 linkCount(int from, int to) const { return m_links.value(key(from, to)); }
    // Messages shown only in the link counts because the token cap was reached.
    quint64 coalesced() const { return m_coalesced; }
    void clear();

private:
    static qint64 key(int from, int to) { return (qint64(from) << 32) | quint32(to); }
    Token *launch(int from, int to, int count);
    Token *findSerial(quint64 serial);
    void remember(const QString &id, quint64 serial);

    std::vector<Token> m_tokens;
    QHash<qint64, quint64> m_links;
    QHash<QString, quint64> m_upLegById; // message id -> serial of its up-leg token
    std::deque<QString> m_idOrder;
    quint64 m_nextSerial = 1;
    quint64 m_coalesced = 0;
};

} // namespace farmchat
