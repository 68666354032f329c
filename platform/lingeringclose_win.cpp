#include "platform/lingeringclose.h"

#include <QSocketNotifier>

namespace farmchat {

// Winsock offers no in-process duplicate of a socket the owner can close on
// its own; the owner's close stays as Qt does it.
LingeringClose::LingeringClose(qintptr descriptor, QObject *parent) : QObject(parent)
{
    Q_UNUSED(descriptor);
}

LingeringClose::~LingeringClose() = default;

int LingeringClose::active()
{
    return 0;
}

void LingeringClose::begin()
{
    if (m_begun)
        return;
    m_begun = true;
    finish();
}

void LingeringClose::drain() { }

void LingeringClose::finish()
{
    deleteLater();
}

} // namespace farmchat
