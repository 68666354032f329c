#include "app/topologyflow.h"

#include <algorithm>

namespace farmchat {

TopologyFlow::Token *TopologyFlow::findSerial(quint64 serial)
{
    for (Token &token : m_tokens) {
        if (token.serial == serial)
            return &token;
    }
    return nullptr;
}

TopologyFlow::Token *TopologyFlow::launch(int from, int to, int count)
{
    m_links[key(from, to)] += quint64(count);
    // Join the youngest token on the same link if it has only just left.
    Token *youngest = nullptr;
    for (Token &token : m_tokens) {
        if (token.from == from && token.to == to
            && (!youngest || token.progress < youngest->progress))
            youngest = &token;
    }
    if (youngest && (youngest->progress <= kJoinWindow || int(m_tokens.size()) >= kMaxTokens)) {
        youngest->count += count;
        return youngest;
    }
    if (int(m_tokens.size()) >= kMaxTokens) {
        m_coalesced += quint64(count);
        return nullptr;
    }
    Token token;
    token.from = from;
    token.to = to;
    token.count = count;
    token.serial = m_nextSerial++;
    m_tokens.push_back(token);
    return &m_tokens.back();
}

void TopologyFlow::remember(const QString &id, quint64 serial)
{
    if (!m_upLegById.contains(id))
        m_idOrder.push_back(id);
    m_upLegById.insert(id, serial);
    while (m_idOrder.size() > size_t(kRememberedIds)) {
        m_upLegById.remove(m_idOrder.front());
        m_idOrder.pop_front();
    }
}

void TopologyFlow::messageSeen(int origin, int at, Via via, const QString &id)
{
    if (via == Via::Local) {
        // Delivered by the node it was sent on: it never left that node.
        launch(at, at, 1);
        return;
    }
    // Crossed the backplane: origin → Redis once per message, Redis → at per receiver.
    const auto known = m_upLegById.constFind(id);
    if (known != m_upLegById.cend()) {
        if (Token *up = findSerial(*known)) {
            up->fanout[at] += 1;
            return;
        }
        launch(kRedis, at, 1);
        return;
    }
    if (origin < 0) { // a node outside this farm: only the Redis → node leg is known
        launch(kRedis, at, 1);
        return;
    }
    Token *up = launch(origin, kRedis, 1);
    if (!up) {
        remember(id, 0); // counted, no token: later receivers go straight from Redis
        launch(kRedis, at, 1);
        return;
    }
    up->fanout[at] += 1;
    remember(id, up->serial);
}

void TopologyFlow::advance(int elapsedMs)
{
    if (m_tokens.empty())
        return;
    const double step = double(qMax(0, elapsedMs)) / kLegMs;
    std::vector<Token> arrived;
    for (Token &token : m_tokens)
        token.progress += step;
    auto done = std::stable_partition(
        m_tokens.begin(), m_tokens.end(), [](const Token &t) { return t.progress < 1.0; });
    std::move(done, m_tokens.end(), std::back_inserter(arrived));
    m_tokens.erase(done, m_tokens.end());
    for (const Token &token : arrived) {
        for (auto it = token.fanout.cbegin(); it != token.fanout.cend(); ++it)
            launch(kRedis, it.key(), it.value());
    }
}

void TopologyFlow::clear()
{
    m_tokens.clear();
    m_links.clear();
    m_upLegById.clear();
    m_idOrder.clear();
    m_coalesced = 0;
}

} // namespace farmchat
