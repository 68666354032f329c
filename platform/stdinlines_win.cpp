#include "platform/stdinlines.h"

#include <QMetaObject>
#include <QTimer>

#include <mutex>
#include <thread>

#include <windows.h>

namespace farmchat {

// A blocking ReadFile cannot be waited on by the event loop, so a detached
// thread reads and posts each chunk to the owner. The owner may go first:
// the thread then finds `owner` null and posts nothing more (it ends with
// the process, blocked in ReadFile).
struct StdinLines::Reader
{
    struct Shared
    {
        std::mutex mutex;
        StdinLines *owner = nullptr;
    };
    std::shared_ptr<Shared> shared = std::make_shared<Shared>();
};

StdinLines::StdinLines(QObject *parent) : QObject(parent) { }

StdinLines::~StdinLines()
{
    if (m_reader) {
        const std::lock_guard<std::mutex> lock(m_reader->shared->mutex);
        m_reader->shared->owner = nullptr;
    }
}

void StdinLines::start()
{
    if (m_reader)
        return;
    m_reader = std::make_unique<Reader>();
    const HANDLE input = ::GetStdHandle(STD_INPUT_HANDLE);
    if (input == nullptr || input == INVALID_HANDLE_VALUE) {
        QTimer::singleShot(0, this, &StdinLines::finish);
        return;
    }
    m_reader->shared->owner = this;
    std::thread([input, shared = m_reader->shared] {
        char chunk[16 * 1024];
        DWORD got = 0;
        for (;;) {
            const bool read = ::ReadFile(input, chunk, DWORD(sizeof chunk), &got, nullptr);
            const std::lock_guard<std::mutex> lock(shared->mutex);
            if (!shared->owner)
                return;
            if (!read || got == 0) {
                QMetaObject::invokeMethod(shared->owner, &StdinLines::finish, Qt::QueuedConnection);
                return;
            }
            QMetaObject::invokeMethod(
                shared->owner,
                [owner = shared->owner, bytes = QByteArray(chunk, qsizetype(got))] {
                    owner->feed(bytes);
                },
                Qt::QueuedConnection);
        }
    }).detach();
}

} // namespace farmchat
