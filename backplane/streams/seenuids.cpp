#include "backplane/streams/seenuids_p.h"

namespace farmchat {

bool SeenUids::insert(const QString &id)
{
    if (m_set.contains(id))
        return false;
    m_set.insert(id);
    m_order.push_back(id);
    while (qsizetype(m_order.size()) > m_capacity) {
        m_set.remove(m_order.front());
        m_order.pop_front();
    }
    return true;
}

} // namespace farmchat
