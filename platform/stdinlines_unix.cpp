#include "platform/stdinlines.h"

#include <QSocketNotifier>
#include <QTimer>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace farmchat {

struct StdinLines::Reader
{
    std::unique_ptr<QSocketNotifier> notifier;
};

StdinLines::StdinLines(QObject *parent) : QObject(parent) { }

StdinLines::~StdinLines() = default;

void StdinLines::start()
{
    if (m_reader)
        return;
    m_reader = std::make_unique<Reader>();
    if (::fcntl(STDIN_FILENO, F_GETFD) < 0) { // closed: nothing will ever come
        QTimer::singleShot(0, this, &StdinLines::finish);
        return;
    }
    // fd 0 stays blocking (it may be shared with a terminal or the parent): the
    // notifier only fires when one read() returns without waiting.
    m_reader->notifier = std::make_unique<QSocketNotifier>(STDIN_FILENO, QSocketNotifier::Read);
    connect(m_reader->notifier.get(), &QSocketNotifier::activated, this, [this] {
        char chunk[16 * 1024];
        const ssize_t got = ::read(STDIN_FILENO, chunk, sizeof chunk);
        if (got > 0) {
            feed(QByteArray(chunk, qsizetype(got)));
            return;
        }
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            return;
        m_reader->notifier->setEnabled(false); // end of input, or an error: the same to us
        finish();
    });
}

} // namespace farmchat
