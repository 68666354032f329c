#include "platform/lingeringclose.h"

#include <QSocketNotifier>

#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace farmchat {

namespace {

// Not state of any one object: a count of descriptors, read for log lines and budgets.
std::atomic<int> g_active {0};

} // namespace

LingeringClose::LingeringClose(qintptr descriptor, QObject *parent) : QObject(parent)
{
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, &LingeringClose::finish);
    if (descriptor >= 0)
        m_descriptor = ::fcntl(int(descriptor), F_DUPFD_CLOEXEC, 0);
    if (m_descriptor >= 0)
        ++g_active;
    // Whatever happens to the owner, the duplicate is closed in bounded time.
    m_deadline.start(kLingerMs * 4);
}

LingeringClose::~LingeringClose()
{
    m_notifier.reset();
    if (m_descriptor >= 0) {
        ::close(int(m_descriptor));
        --g_active;
    }
}

int LingeringClose::active()
{
    return g_active;
}

void LingeringClose::begin()
{
    if (m_begun)
        return;
    m_begun = true;
    int unread = 0;
    if (m_descriptor < 0 || ::ioctl(int(m_descriptor), FIONREAD, &unread) != 0 || unread == 0) {
        // Nothing the peer sent is waiting: a plain close sends FIN after the
        // queued output, as the owner's close would have.
        finish();
        return;
    }
    ::shutdown(int(m_descriptor), SHUT_WR);
    m_notifier = std::make_unique<QSocketNotifier>(m_descriptor, QSocketNotifier::Read);
    connect(m_notifier.get(), &QSocketNotifier::activated, this, &LingeringClose::drain);
    m_deadline.start(kLingerMs);
    drain();
}

void LingeringClose::drain()
{
    char scratch[16384];
    for (;;) {
        const ssize_t n = ::read(int(m_descriptor), scratch, sizeof scratch);
        if (n > 0) {
            m_drained += n;
            if (m_drained > kMaxDrainBytes)
                return finish();
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return; // more later
        return finish(); // the peer closed too, or the connection is gone
    }
}

void LingeringClose::finish()
{
    m_deadline.stop();
    if (m_notifier)
        m_notifier->setEnabled(false);
    deleteLater();
}

} // namespace farmchat
