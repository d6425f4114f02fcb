// The one catalogue of error and alarm codes: for each code its severity, the operator's text (Russian and English,
// templates with named `{parameters}`) and what the operator should do. `grep CODE line/domain/catalogue.ts` finds
// its single definition; a code that is not a key here does not compile (LineError, AlarmBook).
//
// One severity scale for the whole line (DESIGN §5: faults hold the line):
//   info    — something to know, nothing to do now;
//   warning — the line runs on, somebody should look;
//   fault   — the line cannot go on safely (it holds or aborts), or a product / report needs a person's hand.
// The emission module's old 'alarm' and the outbox's old 'error' are 'fault' here.

export type Severity = 'info' | 'warning' | 'fault'
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'fault']

export interface Bilingual { ru: string, en: string }

export interface CatalogueEntry {
  severity: Severity
  /** What the operator reads; `{name}` is filled in from the raise's parameters. */
  text: Bilingual
  /** What the operator should do. */
  action: Bilingual
}

const CHECK_LOG: Bilingual = { ru: 'Сообщите инженеру; подробности — в журнале контроллера', en: 'Tell the engineer; the details are in the controller log' }

export const CATALOGUE = {
  // ---- marking codes and profiles ------------------------------------------------------------------------
  LC_ERR_CODE_FORMAT: {
    severity: 'warning',
    text: { ru: 'Код маркировки не соответствует формату своей товарной группы', en: 'A marking code does not match the layout of its product group' },
    action: { ru: 'Проверьте товарную группу и шаблон заказа в СУЗ; такой код не печатается', en: 'Check the product group and the order template in the OMS; such a code is never printed' },
  },
  LC_ERR_CODE_GTIN: {
    severity: 'warning',
    text: { ru: 'Код из блока относится к другому GTIN', en: 'A code in the block is for another GTIN' },
    action: { ru: 'Проверьте, что заказ в СУЗ сделан на GTIN задания', en: "Check that the OMS order is for the job's GTIN" },
  },
  LC_ERR_CODE_DUPLICATE: {
    severity: 'warning',
    text: { ru: 'Код встречается в блоке дважды', en: 'A code appears twice in the block' },
    action: { ru: 'Сообщите в поддержку СУЗ; блок не загружен', en: 'Report it to OMS support; the block was not loaded' },
  },
  LC_ERR_PROFILE: {
    severity: 'fault',
    text: { ru: 'Неизвестная товарная группа или шаблон кода', en: 'Unknown product group or code template' },
    action: { ru: 'Исправьте товарную группу в задании или в конфигурации', en: 'Correct the product group in the job or in the configuration' },
  },

  // ---- code pool and store -------------------------------------------------------------------------------
  LC_ERR_STORE_IDENTITY: {
    severity: 'fault',
    text: { ru: 'Хранилище линии новое или чужое: прежнее потеряно или подменено', en: "The line's store is new or foreign: the previous one was lost or replaced" },
    action: { ru: 'Верните прежний файл хранилища; если потеря намеренная — запустите один раз с --accept-new-store', en: 'Put the previous store file back; if losing it was intended, start once with --accept-new-store' },
  },
  LC_ERR_POOL_TRANSITION: {
    severity: 'fault',
    text: { ru: 'Недопустимая смена состояния кода', en: 'A code state change the lifecycle does not allow' },
    action: CHECK_LOG,
  },
  LC_ERR_POOL_IMPORT: {
    severity: 'warning',
    text: { ru: 'Блок кодов не принят в пул: ни один код из него не сохранён', en: 'A code block was refused by the pool: none of its codes was stored' },
    action: { ru: 'Блок будет запрошен повторно; если ошибка повторяется — проверьте заказ в СУЗ', en: 'The block is fetched again; if it repeats, check the order in the OMS' },
  },
  LC_ERR_POOL_EMPTY: {
    severity: 'fault',
    text: { ru: 'В пуле нет кодов для этого GTIN', en: 'No codes left in the pool for this GTIN' },
    action: { ru: 'Дождитесь поступления кодов из СУЗ или проверьте заказ кодов', en: 'Wait for codes from the OMS or check the code order' },
  },
  // ---- codes files: exports for a printing house, imports from a file (docs/codes-files.md) ------------------
  LC_ERR_CODES_EXPORT: {
    severity: 'warning',
    text: { ru: 'Выгрузка кодов для типографии не выполнена', en: 'The export of codes for a printing house was not made' },
    action: { ru: 'Проверьте GTIN, количество и остаток кодов в пуле; незавершённую выгрузку завершает «codes resume»', en: 'Check the GTIN, the count and the codes left in the pool; an unfinished export is completed by "codes resume"' },
  },
  LC_ERR_CODES_FILE_BAD_LINES: {
    severity: 'warning',
    text: { ru: 'Файл кодов содержит ошибочные строки: ни один код не загружен', en: 'The codes file has bad lines: no code was imported' },
    action: { ru: 'Исправьте или замените файл по списку строк и загрузите его снова', en: 'Correct or replace the file from the list of lines and import it again' },
  },
  LC_ERR_CODES_FILE_TWICE: {
    severity: 'warning',
    text: { ru: 'Этот файл кодов уже загружен', en: 'This codes file was imported before' },
    action: { ru: 'Повторная загрузка не нужна: коды уже в пуле', en: 'No need to import it again: its codes are in the pool' },
  },
  LC_ERR_CODES_FILE_TRUNCATED: {
    severity: 'warning',
    text: { ru: 'Файл кодов оборван или не совпадает со своим манифестом', en: 'The codes file is cut short or does not match its manifest' },
    action: { ru: 'Получите файл заново (скачайте или скопируйте полностью) и загрузите снова', en: 'Get the file again (download or copy it whole) and import it again' },
  },
  LC_ERR_CODES_FILE_TOO_LARGE: {
    severity: 'warning',
    text: { ru: 'Файл кодов больше допустимого размера', en: 'The codes file is larger than allowed' },
    action: { ru: 'Разделите файл на части и загрузите их по очереди', en: 'Split the file into parts and import them one by one' },
  },
  LC_ERR_CODES_FILE_TARGET: {
    severity: 'warning',
    text: { ru: 'GTIN или товарная группа, указанные для файла кодов, неверны', en: 'The GTIN or product group named for the codes file is wrong' },
    action: { ru: 'Укажите GTIN с верной контрольной цифрой и группу, в которой этот GTIN уже работает', en: 'Name a GTIN with a correct check digit and the group that GTIN already has' },
  },
  LC_ERR_CODES_FILE_IO: {
    severity: 'warning',
    text: { ru: 'Файл кодов не удалось прочитать или записать', en: 'The codes file could not be read or written' },
    action: { ru: 'Проверьте путь, права доступа и свободное место на диске', en: 'Check the path, the permissions and the free disk space' },
  },

  LC_ERR_STORE: {
    severity: 'fault',
    text: { ru: 'Ошибка хранилища контроллера', en: 'Controller store error' },
    action: { ru: 'Проверьте свободное место на диске; сообщите инженеру', en: 'Check free disk space; tell the engineer' },
  },
  LC_ERR_CONFIG: {
    severity: 'fault',
    text: { ru: 'Конфигурация линии содержит ошибки', en: 'The line configuration is invalid' },
    action: { ru: 'Исправьте конфигурацию по списку ошибок и перезапустите контроллер', en: 'Correct the configuration from the list of problems and restart the controller' },
  },

  // ---- jobs and L3 ---------------------------------------------------------------------------------------
  LC_ERR_JOB: {
    severity: 'warning',
    text: { ru: 'Задание содержит ошибки', en: 'The job is invalid' },
    action: { ru: 'Исправьте поля задания и отправьте его снова', en: 'Correct the job fields and send it again' },
  },
  LC_ERR_JOB_GROUP: {
    severity: 'warning',
    text: { ru: 'В задании нет сведений, которые СУЗ требует для этой товарной группы: отчёты по нему были бы отклонены', en: "The job lacks what the OMS requires for its product group: its reports would be refused" },
    action: { ru: 'Дополните задание полями из сообщения (docs/groups.md) и отправьте его снова', en: 'Add the fields the message names (docs/groups.md) and send the job again' },
  },
  LC_ERR_JOB_GROUP_REFUSED: {
    severity: 'warning',
    text: { ru: 'Задания этой товарной группы линия не выполняет', en: 'The line does not run jobs of this product group' },
    action: { ru: 'Лекарственные препараты после эмиссии учитываются в МДЛП: выпускайте их на линии, подключённой к МДЛП', en: 'Medicines are reported through MDLP after emission: run them on a line connected to MDLP' },
  },
  LC_ERR_JOB_MODE: {
    severity: 'warning',
    text: { ru: 'Линия не оснащена для способа нанесения, указанного в задании', en: 'The line is not equipped for the marking mode the job asks for' },
    action: { ru: 'Выберите способ нанесения, для которого на линии есть устройство (головка или аппликатор), или подключите его в конфигурации', en: 'Choose a marking mode the line has a device for (a print head or a label applicator), or add that device to the configuration' },
  },
  LC_ERR_JOB_GROUP_MISMATCH: {
    severity: 'warning',
    text: { ru: 'Товарная группа задания не совпадает с группой кодов этого GTIN в пуле', en: "The job's product group differs from the group of its GTIN's codes in the pool" },
    action: { ru: 'Проверьте товарную группу и GTIN задания: коды в пуле заказаны для другой группы', en: "Check the job's product group and GTIN: the codes in the pool were ordered for another group" },
  },
  LC_ERR_JOB_REFUSED: {
    severity: 'warning',
    text: { ru: 'Линия не приняла задание', en: 'The line refused the job' },
    action: { ru: 'Загрузите задание, когда линия остановлена', en: 'Load the job while the line is stopped' },
  },
  LC_ERR_JOB_UNKNOWN: {
    severity: 'warning',
    text: { ru: 'Задание не найдено', en: 'No such job' },
    action: { ru: 'Проверьте номер задания в MES', en: 'Check the job id in the MES' },
  },
  LC_ERR_JOB_NO_PRODUCT: {
    severity: 'warning',
    text: { ru: 'Для GTIN задания нет карточки товара: коды заказываются только для товара с карточкой', en: "The job's GTIN has no product card: codes are ordered only for a product with its card" },
    action: { ru: 'Загрузите карточку из Национального каталога или заведите её вручную на панели («Товары»), затем отправьте задание снова', en: 'Load the card from the National Catalogue or enter it by hand on the panel ("Products"), then send the job again' },
  },
  LC_ERR_JOB_SWITCH: {
    severity: 'warning',
    text: { ru: 'Другое задание ещё активно: новое запускается только с подтверждением и решением по открытому коробу и паллете', en: 'Another job is still active: a new one starts only with a confirmation and a decision on the open box and pallet' },
    action: { ru: 'Подтвердите смену задания и выберите: закрыть неполный короб и паллету или оставить их на потом', en: 'Confirm the job change and choose: close the partial box and pallet, or leave them for later' },
  },
  LC_ERR_L3_RATE: {
    severity: 'warning',
    text: { ru: 'MES присылает слишком много сообщений: лишние отклонены без чтения', en: 'The MES sends too many messages: the excess is refused unread' },
    action: { ru: 'Сообщите администратору MES', en: 'Tell the MES administrator' },
  },
  LC_ERR_L3_MESSAGE: {
    severity: 'warning',
    text: { ru: 'Неверное сообщение от MES', en: 'Invalid message from the MES' },
    action: { ru: 'Сообщите администратору MES; сообщение отклонено', en: 'Tell the MES administrator; the message was refused' },
  },
  LC_ERR_L3_UNSUPPORTED: {
    severity: 'info',
    text: { ru: 'Эта команда MES выполняется на линии', en: 'This MES command is done at the line' },
    action: { ru: 'Завершите задание на панели оператора', en: 'End the job on the operator panel' },
  },
  LC_ERR_L3_HANDLER: {
    severity: 'warning',
    text: { ru: 'Линия не выполнила сообщение MES', en: 'The line could not carry out the MES message' },
    action: CHECK_LOG,
  },

  // ---- product catalogue (National Catalogue, docs/catalogue.md) --------------------------------------------
  LC_ERR_PRODUCT: {
    severity: 'warning',
    text: { ru: 'Карточка товара содержит ошибки', en: 'The product card is invalid' },
    action: { ru: 'Исправьте поля карточки и сохраните её снова', en: 'Correct the card fields and save it again' },
  },
  LC_ERR_NK_AUTH: {
    severity: 'fault',
    text: { ru: 'Национальный каталог не принял ключ доступа (apikey)', en: 'The National Catalogue refused the access key (apikey)' },
    action: { ru: 'Проверьте catalogue.apiKey: ключ берётся в личном кабинете НК, «Профиль» → «Данные участника»', en: 'Check catalogue.apiKey: the key is in the NC account, "Profile" → "Participant data"' },
  },
  LC_ERR_NK_NOT_FOUND: {
    severity: 'warning',
    text: { ru: 'В Национальном каталоге нет карточки этого GTIN', en: 'The National Catalogue has no card for this GTIN' },
    action: { ru: 'Проверьте GTIN; заведите карточку в НК или вручную на панели', en: 'Check the GTIN; create the card in the NC, or enter it by hand on the panel' },
  },
  LC_ERR_NK_UNREACHABLE: {
    severity: 'warning',
    text: { ru: 'Национальный каталог недоступен', en: 'The National Catalogue cannot be reached' },
    action: { ru: 'Линия работает по сохранённым карточкам; новую карточку можно завести вручную. Повторите синхронизацию позже', en: 'The line works from the stored cards; a new card can be entered by hand. Sync again later' },
  },
  LC_ERR_NK_RESPONSE: {
    severity: 'warning',
    text: { ru: 'Ответ Национального каталога не понят или слишком велик', en: 'The National Catalogue answer was not understood or too large' },
    action: CHECK_LOG,
  },
  LC_ERR_NK_HTTP: {
    severity: 'warning',
    text: { ru: 'Национальный каталог отклонил запрос', en: 'The National Catalogue refused the request' },
    action: CHECK_LOG,
  },
  CATALOGUE_SYNC_FAILED: {
    severity: 'warning',
    text: { ru: 'Синхронизация с Национальным каталогом не удалась: {reason}', en: 'Sync with the National Catalogue failed: {reason}' },
    action: { ru: 'Линия работает по сохранённым карточкам; карточку можно завести вручную («Товары»). Повторите синхронизацию позже', en: 'The line works from the stored cards; a card can be entered by hand ("Products"). Sync again later' },
  },
  // ---- ERP / 1C HTTP API (line/erp/, docs/erp-api.md) ---------------------------------------------------
  LC_ERR_ERP_AUTH: {
    severity: 'warning',
    text: { ru: 'Запрос ERP без действующего ключа API', en: 'ERP request without a valid API key' },
    action: { ru: 'Передайте ключ клиента в заголовке Authorization: Bearer или X-Api-Key; ключи выдаёт инженер линии', en: "Send the client's key in Authorization: Bearer or X-Api-Key; the line engineer issues keys" },
  },
  LC_ERR_ERP_RATE: {
    severity: 'warning',
    text: { ru: 'Клиент ERP превысил допустимую частоту запросов', en: 'The ERP client exceeded its request rate' },
    action: { ru: 'Повторите после паузы из заголовка Retry-After', en: 'Retry after the pause given in Retry-After' },
  },
  LC_ERR_ERP_INPUT: {
    severity: 'info',
    text: { ru: 'Запрос ERP не разобран: неверный JSON, тип содержимого или параметры', en: 'The ERP request could not be read: bad JSON, content type or parameters' },
    action: { ru: 'Отправляйте JSON (Content-Type: application/json) по описанию docs/erp-api.md', en: 'Send JSON (Content-Type: application/json) as docs/erp-api.md describes' },
  },
  LC_ERR_ERP_TOO_LARGE: {
    severity: 'info',
    text: { ru: 'Тело запроса ERP больше допустимого', en: 'The ERP request body is too large' },
    action: { ru: 'Одно задание на запрос; тело не больше 64 КиБ', en: 'One job a request; a body of at most 64 KiB' },
  },
  LC_ERR_ERP_IDEMPOTENCY_KEY: {
    severity: 'info',
    text: { ru: 'Нет заголовка Idempotency-Key или он неверен', en: 'The Idempotency-Key header is missing or invalid' },
    action: { ru: 'Каждый POST несёт новый ключ (1–128 символов: буквы, цифры, - _ . :); при повторе того же запроса — тот же ключ', en: 'Every POST carries a new key (1–128 characters: letters, digits, - _ . :); a retry of the same request carries the same key' },
  },
  LC_ERR_ERP_IDEMPOTENCY_MISMATCH: {
    severity: 'warning',
    text: { ru: 'Ключ идемпотентности уже использован для другого запроса', en: 'The idempotency key was already used for a different request' },
    action: { ru: 'Для нового запроса возьмите новый ключ; при повторе отправляйте тело без изменений', en: 'Use a new key for a new request; a retry must send the body unchanged' },
  },
  LC_ERR_ERP_NOT_FOUND: {
    severity: 'info',
    text: { ru: 'Нет такого задания или адреса API', en: 'No such job or API path' },
    action: { ru: 'Проверьте номер задания и адрес по docs/erp-api.md', en: 'Check the job id and the path against docs/erp-api.md' },
  },
  LC_ERR_ERP_CONFLICT: {
    severity: 'info',
    text: { ru: 'Действие невозможно в текущем состоянии задания', en: "The action is not possible in the job's current state" },
    action: { ru: 'Отменить можно только задание в очереди; начатое задание завершает оператор на линии', en: 'Only a queued job can be cancelled; a started job is ended by the operator at the line' },
  },
  LC_ERR_ERP_INTERNAL: {
    severity: 'warning',
    text: { ru: 'Внутренняя ошибка API ERP', en: 'Internal ERP API error' },
    action: CHECK_LOG,
  },

  // ---- emission (OMS) ------------------------------------------------------------------------------------
  LC_ERR_OMS_HTTP: {
    severity: 'warning',
    text: { ru: 'СУЗ ответил ошибкой', en: 'The OMS answered with an error' },
    action: { ru: 'Запрос повторяется автоматически; при повторении проверьте ответ СУЗ в подробностях', en: "The request is retried; if it repeats, read the OMS answer in the details" },
  },
  LC_ERR_OMS_AUTH: {
    severity: 'fault',
    text: { ru: 'СУЗ не принял токен доступа', en: 'The OMS refused the access token' },
    action: { ru: 'Проверьте подключение к СУЗ (omsConnection) и сертификат подписи', en: 'Check the OMS connection (omsConnection) and the signing certificate' },
  },
  LC_ERR_OMS_RATE_LIMIT: {
    severity: 'info',
    text: { ru: 'СУЗ просит снизить частоту запросов', en: 'The OMS asks for fewer requests' },
    action: { ru: 'Действий не требуется: запросы замедлены', en: 'Nothing to do: requests are slowed down' },
  },
  LC_ERR_OMS_NETWORK: {
    severity: 'warning',
    text: { ru: 'Нет связи с СУЗ', en: 'No connection to the OMS' },
    action: { ru: 'Проверьте интернет-подключение контроллера', en: "Check the controller's internet connection" },
  },
  LC_ERR_HTTP_STATUS: {
    severity: 'warning',
    text: { ru: 'Облачный сервис ответил ошибкой', en: 'A cloud service answered with an error' },
    action: { ru: 'Запрос повторяется автоматически, если это возможно; подробности — в журнале', en: 'The request is retried where that is safe; the details are in the log' },
  },
  LC_ERR_HTTP_TIMEOUT: {
    severity: 'warning',
    text: { ru: 'Облачный сервис не ответил вовремя', en: 'A cloud service did not answer in time' },
    action: { ru: 'Запрос повторяется автоматически; проверьте связь, если повторяется', en: 'The request is retried; check the connection if it repeats' },
  },
  LC_ERR_HTTP_NETWORK: {
    severity: 'warning',
    text: { ru: 'Нет связи с облачным сервисом', en: 'No connection to a cloud service' },
    action: { ru: 'Проверьте подключение к интернету; линия работает из пула кодов', en: 'Check the internet connection; the line runs on from its code pool' },
  },
  LC_ERR_HTTP_TOO_LARGE: {
    severity: 'warning',
    text: { ru: 'Облачный сервис прислал ответ больше допустимого: ответ отброшен', en: 'A cloud service sent an answer over the size limit: it was dropped' },
    action: CHECK_LOG,
  },
  LC_ERR_OMS_TIMEOUT: {
    severity: 'warning',
    text: { ru: 'СУЗ не ответил вовремя', en: 'The OMS did not answer in time' },
    action: { ru: 'Запрос повторяется автоматически; проверьте связь, если повторяется', en: 'The request is retried; check the connection if it repeats' },
  },
  LC_ERR_OMS_RESPONSE: {
    severity: 'warning',
    text: { ru: 'Ответ СУЗ не соответствует описанию API', en: 'The OMS answer does not match its API' },
    action: { ru: 'Запрос повторяется автоматически; при повторении сообщите инженеру', en: 'The request is retried; tell the engineer if it repeats' },
  },
  LC_ERR_OMS_REQUEST: {
    severity: 'fault',
    text: { ru: 'Контроллер не может составить запрос к СУЗ', en: 'The controller cannot build the OMS request' },
    action: CHECK_LOG,
  },
  LC_ERR_EMISSION: {
    severity: 'warning',
    text: { ru: 'Шаг получения кодов не выполнен', en: 'A code emission step failed' },
    action: { ru: 'Повторяется автоматически; при повторении смотрите состояние СУЗ на панели', en: 'Retried automatically; if it repeats, see the OMS status on the panel' },
  },
  LC_ERR_EMISSION_OUTAGE: {
    severity: 'warning',
    text: { ru: 'Нет связи с СУЗ, а коды в пуле заканчиваются', en: 'The OMS is unreachable while the pool runs down' },
    action: { ru: 'Проверьте интернет и доступность СУЗ; без кодов линия остановится', en: 'Check the internet and the OMS; the line stops when the codes run out' },
  },
  LC_ERR_EMISSION_ORDER: {
    severity: 'fault',
    text: { ru: 'СУЗ отклонил или закрыл заказ кодов', en: 'The OMS refused or closed a code order' },
    action: { ru: 'Проверьте GTIN и заказ в личном кабинете СУЗ', en: 'Check the GTIN and the order in the OMS account' },
  },
  LC_ERR_EMISSION_BLOCK: {
    severity: 'warning',
    text: { ru: 'Блок кодов от СУЗ не прошёл проверку', en: 'A code block from the OMS failed validation' },
    action: { ru: 'Проверьте заказ в СУЗ: товарную группу и GTIN', en: 'Check the order in the OMS: product group and GTIN' },
  },
  EMISSION_OUTAGE: {
    severity: 'warning',
    text: { ru: 'Нет связи с СУЗ: кодов для GTIN {gtin} осталось на {minutes} мин ({level})', en: 'OMS unreachable: codes for GTIN {gtin} last {minutes} min ({level})' },
    action: { ru: 'Проверьте интернет и доступность СУЗ; без кодов линия остановится', en: 'Check the internet and the OMS; the line stops when the codes run out' },
  },
  EMISSION_ORDER_REFUSED: {
    severity: 'fault',
    text: { ru: 'СУЗ отклонил заказ кодов для GTIN {gtin}', en: 'OMS refused the code order for GTIN {gtin}' },
    action: { ru: 'Проверьте GTIN в Национальном каталоге и подключение к СУЗ; ответ СУЗ — в подробностях', en: 'Check the GTIN in the National Catalogue and the OMS connection; the OMS answer is in the details' },
  },
  EMISSION_ORDER_REJECTED: {
    severity: 'fault',
    text: { ru: 'СУЗ отклонил заказ {order}', en: 'OMS rejected order {order}' },
    action: { ru: 'Посмотрите причину в подробностях и в личном кабинете СУЗ; новый заказ будет сделан автоматически', en: 'Read the reason in the details and in the OMS account; a new order is placed automatically' },
  },
  EMISSION_ORDER_SHORT: {
    severity: 'warning',
    text: { ru: 'Заказ {order} закрыт СУЗ до получения всех кодов ({taken} из {quantity})', en: 'Order {order} was closed by the OMS with {taken} of {quantity} codes taken' },
    action: { ru: 'Действий не требуется: недостающие коды будут заказаны снова', en: 'Nothing to do: the missing codes are ordered again' },
  },
  EMISSION_BLOCK_REFETCH: {
    severity: 'warning',
    text: { ru: 'Блок кодов {block} от СУЗ не прошёл проверку, запрошен повторно', en: 'Code block {block} from the OMS failed validation, fetching it again' },
    action: { ru: 'Действий не требуется, если повторная загрузка пройдёт', en: 'Nothing to do if the second download passes' },
  },
  EMISSION_BLOCK_REFUSED: {
    severity: 'fault',
    text: { ru: 'Блок кодов {block} от СУЗ отклонён', en: 'Code block {block} from the OMS refused' },
    action: { ru: 'Проверьте заказ в СУЗ (товарная группа, GTIN); коды блока не загружены', en: "Check the order in the OMS (product group, GTIN); the block's codes were not loaded" },
  },

  // ---- True API, signing, reports -------------------------------------------------------------------------
  LC_ERR_TRUE_API_HTTP: {
    severity: 'warning',
    text: { ru: 'ГИС МТ ответила ошибкой', en: 'The True API answered with an error' },
    action: { ru: 'Запрос повторяется автоматически; ответ ГИС МТ — в подробностях', en: 'The request is retried; the True API answer is in the details' },
  },
  LC_ERR_TRUE_API_TIMEOUT: {
    severity: 'warning',
    text: { ru: 'ГИС МТ не ответила вовремя', en: 'The True API did not answer in time' },
    action: { ru: 'Запрос повторяется автоматически; проверьте связь, если повторяется', en: 'The request is retried; check the connection if it repeats' },
  },
  LC_ERR_TRUE_API_NETWORK: {
    severity: 'warning',
    text: { ru: 'Нет связи с ГИС МТ', en: 'No connection to the True API' },
    action: { ru: 'Проверьте интернет-подключение контроллера', en: "Check the controller's internet connection" },
  },
  LC_ERR_TRUE_API_RESPONSE: {
    severity: 'warning',
    text: { ru: 'Ответ ГИС МТ не соответствует описанию API', en: 'The True API answer does not match its API' },
    action: CHECK_LOG,
  },
  LC_ERR_TRUE_API_DOCUMENT: {
    severity: 'fault',
    text: { ru: 'Документ для ГИС МТ не может быть составлен', en: 'The document for the True API cannot be built' },
    action: CHECK_LOG,
  },
  LC_ERR_SIGNER: {
    severity: 'warning',
    text: { ru: 'Отчёт не подписан: подпись недоступна. Отчёты ждут, линия работает', en: 'A report could not be signed. Reports are held, the line runs on' },
    action: { ru: 'Проверьте токен или сертификат электронной подписи', en: 'Check the signing token or certificate' },
  },
  LC_ERR_OUTBOX: {
    severity: 'fault',
    text: { ru: 'Отчёт не может быть отправлен в таком виде', en: 'The report cannot be sent as it is' },
    action: CHECK_LOG,
  },
  LC_ERR_REPORT_TRANSITION: {
    severity: 'fault',
    text: { ru: 'Недопустимая смена состояния отчёта', en: 'A report state change the report table does not allow' },
    action: CHECK_LOG,
  },
  LC_ERR_REPORT_SEND: {
    severity: 'warning',
    text: { ru: 'Отчёт пока не отправлен', en: 'A report is not sent yet' },
    action: { ru: 'Отправка повторяется автоматически; проверьте связь, если повторяется', en: 'Sending is retried; check the connection if it repeats' },
  },
  LC_ERR_REPORT_REJECTED: {
    severity: 'fault',
    text: { ru: 'Отчёт {report} ({kind}, {codes} кодов) отклонён. Коды не отчитаны', en: 'Report {report} ({kind}, {codes} codes) was rejected. Its codes stay unreported' },
    action: { ru: 'Прочитайте причину в подробностях, устраните её и отправьте отчёт повторно', en: 'Read the reason in the details, correct it and send the report again' },
  },

  // ---- rework of reported boxes and pallets (docs/rework.md) ------------------------------------------------
  LC_ERR_REWORK_UNKNOWN: {
    severity: 'warning',
    text: { ru: 'Нет закрытого короба или паллеты с таким SSCC, или код не в нём', en: 'No closed box or pallet with that SSCC, or the code is not in it' },
    action: { ru: 'Проверьте SSCC на этикетке и код изделия', en: 'Check the SSCC on the label and the unit code' },
  },
  LC_ERR_REWORK_NOT_HELD: {
    severity: 'warning',
    text: { ru: 'ГИС МТ ещё не приняла агрегацию этого короба или паллеты: расформировывать нечего', en: 'GIS MT has not accepted the aggregation of this box or pallet yet: there is nothing to disaggregate' },
    action: { ru: 'Дождитесь приёма отчёта об агрегации (экран отчётов) или спишите короб', en: 'Wait until the aggregation report is accepted (reports screen), or scrap the box' },
  },
  LC_ERR_REWORK_IN_FLIGHT: {
    severity: 'warning',
    text: { ru: 'Отчёт по этому коробу или паллете ещё в пути (агрегация или расформирование)', en: 'A report of this box or pallet is still on its way (aggregation or disaggregation)' },
    action: { ru: 'Дождитесь ответа ГИС МТ и повторите; если отчёт отклонён — разберите его на экране отчётов', en: 'Wait for GIS MT to answer and try again; if the report was rejected, deal with it on the reports screen' },
  },
  LC_ERR_REWORK_GROUP: {
    severity: 'warning',
    text: { ru: 'Для товарной группы {group} расформирование с линии недоступно', en: 'Disaggregation from the line is not available for product group {group}' },
    action: { ru: 'Расформируйте упаковку в личном кабинете ГИС МТ; линия её не меняет', en: 'Disaggregate the package in the GIS MT account; the line leaves it as it is' },
  },
  LC_ERR_REWORK_REASON: {
    severity: 'warning',
    text: { ru: 'Причина выбытия {reason} не допускается для товарной группы {group}', en: 'Dropout reason {reason} is not allowed for product group {group}' },
    action: { ru: 'Выберите одну из допустимых причин (Таблица 244 руководства СУЗ)', en: 'Choose one of the allowed reasons (OMS guide Table 244)' },
  },
  LC_ERR_REWORK_NO_TRUE_API: {
    severity: 'warning',
    text: { ru: 'True API не настроен: расформирование невозможно', en: 'The True API is not configured: disaggregation is impossible' },
    action: { ru: 'Настройте trueApi в конфигурации линии', en: 'Configure trueApi in the line configuration' },
  },

  // ---- printers ------------------------------------------------------------------------------------------
  LC_ERR_MODBUS_TIMEOUT: {
    severity: 'warning',
    text: { ru: 'Принтер не ответил по Modbus', en: 'The printer did not answer over Modbus' },
    action: { ru: 'Проверьте кабель и питание принтера; связь восстанавливается автоматически', en: "Check the printer's cable and power; the link is rebuilt automatically" },
  },
  LC_ERR_MODBUS_EXCEPTION: {
    severity: 'warning',
    text: { ru: 'Принтер отказал в запросе Modbus', en: 'The printer refused a Modbus request' },
    action: { ru: 'Проверьте модель принтера и карту регистров в конфигурации', en: "Check the printer model and its register map in the configuration" },
  },
  LC_ERR_PRINTER_LINK: {
    severity: 'warning',
    text: { ru: 'Связь с принтером нарушена', en: 'The printer link is broken' },
    action: { ru: 'Проверьте кабель и разъёмы принтера', en: "Check the printer's cable and connectors" },
  },
  LC_ERR_PRINTER_OFFLINE: {
    severity: 'fault',
    text: { ru: 'Принтер не подключён', en: 'The printer is not connected' },
    action: { ru: 'Включите принтер и проверьте кабель', en: 'Switch the printer on and check its cable' },
  },
  LC_ERR_PRINT_DATA_TOO_LONG: {
    severity: 'fault',
    text: { ru: 'Код длиннее поля сообщения принтера', en: "The code is longer than the printer's message slot" },
    action: { ru: 'Проверьте шаблон печати и модель принтера в конфигурации', en: 'Check the print template and the printer model in the configuration' },
  },
  LC_ERR_PRINT_DATA_CHARSET: {
    severity: 'fault',
    text: { ru: 'В коде есть символ, который головка не принимает', en: 'The code has a character the print head does not accept' },
    action: { ru: 'Проверьте таблицу символов (charset) в карте регистров головки', en: "Check the character table (charset) in the head's register map" },
  },
  LC_ERR_PRINTER_BUFFER_FULL: {
    severity: 'warning',
    text: { ru: 'Буфер принтера переполнен', en: "The printer's buffer is full" },
    action: { ru: 'Проверьте глубину буфера принтера в конфигурации', en: "Check the printer's buffer depth in the configuration" },
  },
  LC_ERR_PRINTER_STATE: {
    severity: 'fault',
    text: { ru: 'Состояние принтера не согласуется с отправленными кодами', en: "The printer's state does not match the codes sent to it" },
    action: { ru: 'Остановите линию, проверьте принтер; неподтверждённые коды будут списаны', en: 'Stop the line and check the printer; unconfirmed codes are written off' },
  },
  LC_ERR_PRINTER_LOAD_INTERRUPTED: {
    severity: 'warning',
    text: { ru: 'Загрузка кодов в принтер прервана', en: 'Loading codes into the printer was interrupted' },
    action: { ru: 'Проверьте связь с принтером; каждый код будет учтён при очистке буфера', en: 'Check the printer link; every code is accounted for when the buffer is cleared' },
  },
  LC_ERR_PRINTER_CONFIG: {
    severity: 'fault',
    text: { ru: 'Настройка принтера неверна', en: 'The printer configuration is invalid' },
    action: { ru: 'Исправьте раздел принтеров в конфигурации', en: 'Correct the printers section of the configuration' },
  },
  LC_ERR_PRINTER_TIMEOUT: {
    severity: 'warning',
    text: { ru: 'Принтер не ответил на команду', en: 'The printer did not answer a command' },
    action: { ru: 'Проверьте кабель, питание и настройки связи принтера; связь восстанавливается автоматически', en: "Check the printer's cable, power and communication settings; the link is rebuilt automatically" },
  },
  LC_ERR_PRINTER_REFUSED: {
    severity: 'warning',
    text: { ru: 'Принтер отказал в команде (ответ об ошибке)', en: 'The printer refused a command (failure answer)' },
    action: { ru: 'Проверьте на принтере выбранное задание, его поля и состояние (онлайн, ошибки)', en: "Check the printer's selected job, its fields and its state (online, faults)" },
  },
  LC_ERR_ZPL_STATUS_TIMEOUT: {
    severity: 'warning',
    text: { ru: 'Этикеточный принтер не отвечает на запрос состояния', en: 'The label printer does not answer the status request' },
    action: { ru: 'Проверьте бумагу, ленту, головку и температуру принтера', en: "Check the printer's media, ribbon, head and temperature" },
  },
  LC_ERR_LABEL_NOT_CONFIRMED: {
    severity: 'warning',
    text: { ru: 'Печать этикетки не подтверждена', en: 'A label print was not confirmed' },
    action: { ru: 'Проверьте этикеточный принтер и напечатайте этикетку повторно', en: 'Check the label printer and reprint the label' },
  },

  // ---- verifiers -----------------------------------------------------------------------------------------
  LC_ERR_CAMERA_PAYLOAD: {
    severity: 'warning',
    text: { ru: 'Камера прислала неверный результат', en: 'A camera sent an invalid result' },
    action: { ru: 'Проверьте настройку формата результата камеры', en: "Check the camera's result format settings" },
  },
  LC_ERR_IMAGE_RENDER: {
    severity: 'info',
    text: { ru: 'Изображение кода не построено', en: 'The code image could not be drawn' },
    action: CHECK_LOG,
  },
  LC_ERR_DECODER_LOAD: {
    severity: 'fault',
    text: { ru: 'Декодер изображений не загружен', en: 'The image decoder could not be loaded' },
    action: { ru: 'Переустановите контроллер (не хватает файлов декодера)', en: "Reinstall the controller (the decoder's files are missing)" },
  },
  LC_ERR_READER_FORMAT: {
    severity: 'warning',
    text: { ru: 'Сканер прислал строку не в настроенном формате', en: "A reader's result is not in the configured format" },
    action: { ru: 'Сверьте формат вывода сканера с конфигурацией', en: "Match the reader's output format with the configuration" },
  },
  LC_ERR_READER_LINK: {
    severity: 'fault',
    text: { ru: 'Нет связи со сканером', en: 'No link to the reader' },
    action: { ru: 'Проверьте кабель, питание и IP-адрес сканера', en: "Check the reader's cable, power and IP address" },
  },

  // ---- broker --------------------------------------------------------------------------------------------
  LC_ERR_BROKER_START: {
    severity: 'fault',
    text: { ru: 'Встроенный брокер MQTT не запущен', en: 'The embedded MQTT broker did not start' },
    action: { ru: 'Проверьте, что порт брокера свободен и файлы TLS на месте', en: "Check that the broker's port is free and its TLS files exist" },
  },
  LC_ERR_BROKER_PERSISTENCE: {
    severity: 'warning',
    text: { ru: 'Хранилище сессий брокера MQTT недоступно', en: "The MQTT broker's session store failed" },
    action: { ru: 'Проверьте свободное место на диске; сообщения QoS 1 могут не пережить перезапуск', en: 'Check free disk space; queued QoS 1 messages may not survive a restart' },
  },
  LC_ERR_PLC_LISTEN: {
    severity: 'fault',
    text: { ru: 'Сервер Modbus TCP для ПЛК не запущен', en: 'The Modbus TCP server for the PLC did not start' },
    action: { ru: 'Проверьте, что адрес и порт plc.transport свободны (порт 502 требует прав администратора)', en: 'Check that the plc.transport address and port are free (port 502 needs administrator rights)' },
  },
  LC_ERR_MQTT_CONNECT: {
    severity: 'fault',
    text: { ru: 'Нет подключения к брокеру MQTT', en: 'Cannot connect to the MQTT broker' },
    action: { ru: 'Проверьте адрес брокера, логин и пароль', en: "Check the broker's address, user and password" },
  },

  // ---- operator panel ------------------------------------------------------------------------------------
  LC_ERR_HMI_AUTH: {
    severity: 'info',
    text: { ru: 'Требуется вход в систему', en: 'Please log in' },
    action: { ru: 'Войдите под своим именем', en: 'Log in with your user name' },
  },
  LC_ERR_HMI_LOGIN: {
    severity: 'info',
    text: { ru: 'Вход не выполнен', en: 'Login failed' },
    action: { ru: 'Проверьте имя и пароль; после нескольких ошибок вход блокируется на время', en: 'Check the user name and password; repeated failures lock the account for a while' },
  },
  LC_ERR_HMI_FORBIDDEN: {
    severity: 'info',
    text: { ru: 'Действие недоступно для вашей роли', en: 'The action is not allowed for your role' },
    action: { ru: 'Попросите пользователя с нужной ролью', en: 'Ask a user with the right role' },
  },
  LC_ERR_HMI_CROSS_SITE: {
    severity: 'warning',
    text: { ru: 'Команда отклонена: не со страницы панели или не в формате JSON', en: "Command refused: not from the panel's page or not JSON" },
    action: { ru: 'Работайте через панель; о повторах сообщите администратору', en: 'Use the panel; tell the administrator if it repeats' },
  },
  LC_ERR_HMI_INPUT: {
    severity: 'info',
    text: { ru: 'Неверные данные', en: 'Invalid input' },
    action: { ru: 'Исправьте отмеченные поля', en: 'Correct the marked fields' },
  },
  LC_ERR_HMI_UNKNOWN: {
    severity: 'info',
    text: { ru: 'Неизвестная команда или адрес', en: 'Unknown command or path' },
    action: { ru: 'Обновите страницу панели', en: 'Reload the panel page' },
  },
  LC_ERR_HMI_REFUSED: {
    severity: 'info',
    text: { ru: 'Линия отклонила действие', en: 'The line refused the action' },
    action: { ru: 'Прочитайте причину и повторите, когда она устранена', en: 'Read the reason and try again once it is resolved' },
  },
  LC_ERR_HMI_LINE: {
    severity: 'warning',
    text: { ru: 'Линия не выполнила действие', en: 'The line could not carry out the action' },
    action: { ru: 'Повторите; если не проходит — сообщите инженеру', en: 'Try again; tell the engineer if it keeps failing' },
  },
  LC_ERR_HMI_INTERNAL: {
    severity: 'warning',
    text: { ru: 'Внутренняя ошибка панели', en: 'Internal panel error' },
    action: CHECK_LOG,
  },
  LC_ERR_HMI_NO_IMAGE: {
    severity: 'info',
    text: { ru: 'Камера ещё не прислала изображение', en: 'No camera image yet' },
    action: { ru: 'Дождитесь первого изделия под камерой', en: 'Wait for the first product under the camera' },
  },
  LC_ERR_HMI_BUILD: {
    severity: 'fault',
    text: { ru: 'Не удалось собрать панель оператора', en: 'Cannot build the operator panel' },
    action: CHECK_LOG,
  },
  LC_ERR_HMI_HTTP: {
    severity: 'warning',
    text: { ru: 'Контроллер ответил ошибкой', en: 'The controller answered with an error' },
    action: { ru: 'Повторите действие', en: 'Try the action again' },
  },
  LC_ERR_FIND_NOT_FOUND: {
    severity: 'info',
    text: { ru: 'Не найдено на этой линии', en: 'Not found on this line' },
    action: { ru: 'Проверьте код или SSCC: возможно, он с другой линии или из другого задания', en: 'Check the code or SSCC: it may be from another line or job' },
  },
  LC_ERR_FIND_GISMT: {
    severity: 'warning',
    text: { ru: 'Не удалось получить статус кода в ГИС МТ', en: 'Cannot get the code\'s status from GIS MT' },
    action: { ru: 'Проверьте связь с True API (плитка устройств); повторите позже', en: 'Check the True API link (device tiles); try again later' },
  },
  LC_ERR_REPORT_RETRY: {
    severity: 'info',
    text: { ru: 'Повторно отправляется только отклонённый отчёт', en: 'Only a rejected report can be sent again' },
    action: { ru: 'Обновите очередь отчётов: отчёт уже в работе или принят', en: 'Refresh the report queue: the report is already on its way or accepted' },
  },
  LC_ERR_SETUP_STATE: {
    severity: 'warning',
    text: { ru: 'Наладка недоступна в этом состоянии линии', en: 'Set-up is not available in this line state' },
    action: { ru: 'Остановите линию (Стоп), затем повторите', en: 'Stop the line, then try again' },
  },
  LC_ERR_SETUP_PRINTER: {
    severity: 'warning',
    text: { ru: 'Тестовая печать на этот принтер невозможна', en: 'No test print possible on this printer' },
    action: { ru: 'Проверьте, что принтер на связи и готов, и что в его буфере нет кодов производства (Сброс очищает буфер)', en: 'Check that the printer is online and ready, and that its buffer holds no production codes (Reset empties it)' },
  },
  LC_ERR_SETUP_PARAMETER: {
    severity: 'warning',
    text: { ru: 'Параметр линии не принят', en: 'Line parameter refused' },
    action: { ru: 'Исправьте значение: правила те же, что у конфигурации (отсекатель, запас, камеры)', en: "Correct the value: the configuration's rules apply (reject gate, margin, cameras)" },
  },
  LC_ERR_HMI_NETWORK: {
    severity: 'warning',
    text: { ru: 'Нет связи с контроллером', en: 'No connection to the controller' },
    action: { ru: 'Проверьте сеть панели; страница переподключится сама', en: "Check the panel's network; the page reconnects by itself" },
  },

  // ---- line alarms: products at the gate ------------------------------------------------------------------
  REJECT_MISSED: {
    severity: 'fault',
    text: { ru: 'Изделие {seq} не отбраковано', en: 'Product {seq} was not rejected' },
    action: { ru: 'Снимите изделие с линии вручную и проверьте отбраковщик', en: 'Take the product off the line by hand and check the rejector' },
  },
  SHIPPED_UNVERIFIED: {
    severity: 'fault',
    text: { ru: 'Изделие {seq} ушло без проверки кода', en: 'Product {seq} left without a verified code' },
    action: { ru: 'Снимите изделие с линии вручную', en: 'Take the product off the line by hand' },
  },
  REJECT_NOT_SENT: {
    severity: 'fault',
    text: { ru: 'Команда отбраковки изделия {seq} не передана', en: 'Reject of item {seq} not delivered' },
    action: { ru: 'Снимите изделие с линии вручную и проверьте связь с ПЛК', en: 'Take the product off the line by hand and check the PLC link' },
  },
  GATE_UNCONFIRMED: {
    severity: 'warning',
    text: { ru: 'ПЛК не подтвердил прохождение {count} изделий', en: 'The PLC did not confirm {count} products at the gate' },
    action: { ru: 'Проверьте датчик на выходе и программу ПЛК', en: 'Check the exit sensor and the PLC program' },
  },
  TRIGGER_LOST: {
    severity: 'warning',
    text: { ru: 'Потеряны триггеры ПЛК: {missing} перед {seq}', en: '{missing} PLC trigger(s) lost before {seq}' },
    action: { ru: 'Изделия без триггера отслежены на своих местах; если повторяется — проверьте выход триггера ПЛК и сеть', en: "The products without a trigger were followed in their places; if it repeats, check the PLC's trigger output and the network" },
  },
  TRIGGER_JUMP: {
    severity: 'warning',
    text: { ru: 'Номер триггера скачком изменился: {last} → {seq}', en: 'Trigger sequence jumped from {last} to {seq}' },
    action: { ru: 'Если ПЛК перезапускался или его счётчик сброшен — освободите конвейер и нажмите «Сброс»; иначе проверьте программу ПЛК', en: "If the PLC restarted or its counter was reset, clear the conveyor and press Reset; otherwise check the PLC program" },
  },
  PRINT_CONFIRMATION_LOST: {
    severity: 'warning',
    text: { ru: 'Потеряно подтверждений печати: {lost}', en: '{lost} print confirmation(s) lost' },
    action: { ru: 'Изделия без подтверждённой печати отбракованы; если повторяется — проверьте связь с печатающей головкой', en: 'The products without a confirmed print were rejected; if it repeats, check the connection to the print head' },
  },
  PRINT_CONFIRMED_LATE: {
    severity: 'info',
    text: { ru: 'Печать изделия {seq} подтверждена после его отбраковки: код списан', en: 'Print of product {seq} confirmed after it was rejected: code written off' },
    action: { ru: 'Ничего делать не нужно; если повторяется — проверьте нагрузку и связь с головкой', en: 'Nothing to do now; if it repeats, check the load and the connection to the head' },
  },
  TRACKING_RESYNC: {
    severity: 'warning',
    text: { ru: 'Сдвиг печати относительно изделий ({shift}) исправлен, списаны изделия {products}', en: 'Prints slipped against products ({shift}); re-aligned, products {products} written off' },
    action: { ru: 'Списанные изделия отбракованы; проверьте сигнал печати головки и датчик триггера', en: "The written-off products were rejected; check the head's print-go signal and the trigger photocell" },
  },
  TRIGGER_SEQ: {
    severity: 'warning',
    text: { ru: 'Повтор или откат номера триггера {seq}', en: 'Trigger sequence {seq} repeated or went back' },
    action: { ru: 'Проверьте счётчик энкодера в ПЛК; если ПЛК перезапускался — освободите конвейер', en: "Check the PLC's encoder counter; if the PLC restarted, clear the conveyor" },
  },
  PRINT_WITHOUT_ITEM: {
    severity: 'warning',
    text: { ru: 'Печать без изделия: код списан', en: 'Print without a product: code written off' },
    action: { ru: 'Проверьте датчик продукта и триггер печати', en: 'Check the product sensor and the print trigger' },
  },
  RESULT_UNKNOWN_SEQ: {
    severity: 'warning',
    text: { ru: 'Результат камеры для изделия {seq}, которого линия не ждёт', en: 'Camera result for item {seq}, which the line is not expecting' },
    action: { ru: 'Проверьте триггер камеры и её расстояние от принтера в конфигурации', en: "Check the camera's trigger and its distance from the printer in the configuration" },
  },
  RESULT_LATE_OR_DUPLICATE: {
    severity: 'info',
    text: { ru: 'Повторный или поздний результат для изделия {seq}', en: 'Late or repeated result for item {seq}' },
    action: { ru: 'Если повторяется часто — проверьте задержку камеры', en: "If it happens often, check the camera's latency" },
  },
  CODE_OF_OTHER_ITEM: {
    severity: 'warning',
    text: { ru: 'Камера прочла код изделия {owner} на изделии {seq}', en: "Camera read item {owner}'s code on item {seq}" },
    action: { ru: 'Проверьте расстояние принтер–камера и синхронизацию триггеров', en: 'Check the printer-to-camera distance and the trigger timing' },
  },
  CAMERA_UNKNOWN: {
    severity: 'warning',
    text: { ru: 'Камера {camera}, которой нет в конфигурации линии, присылает сообщения: они отклонены', en: 'Camera {camera}, not in the line\'s configuration, sends messages: they are refused' },
    action: { ru: 'Проверьте список камер в конфигурации и идентификатор устройства камеры', en: "Check the cameras in the configuration and the camera's device id" },
  },
  CAMERA_PAYLOAD: {
    severity: 'warning',
    text: { ru: 'Неверный результат камеры {camera}', en: 'Invalid result from camera {camera}' },
    action: { ru: 'Проверьте настройку формата результата камеры', en: "Check the camera's result format settings" },
  },
  PLC_PAYLOAD: {
    severity: 'warning',
    text: { ru: 'Неверное сообщение ПЛК на {topic}', en: 'Invalid PLC message on {topic}' },
    action: { ru: 'Проверьте программу ПЛК (формат сообщений — docs/plc-mqtt.md)', en: 'Check the PLC program (message format: docs/plc-mqtt.md)' },
  },
  PLC_MODBUS_WRITE: {
    severity: 'warning',
    text: { ru: 'Неверная запись ПЛК в регистры Modbus {where}', en: 'Invalid PLC write to Modbus registers {where}' },
    action: { ru: 'Проверьте программу ПЛК (карта регистров — docs/plc-modbus.md); запись отклонена', en: 'Check the PLC program (register map: docs/plc-modbus.md); the write was refused' },
  },
  // ---- the plant-wide duplicate check of pre-applied codes (docs/modes.md) ---------------------------------
  LC_ERR_PLANT: {
    severity: 'warning',
    text: { ru: 'Реестр кодов завода недоступен', en: 'The plant code register is unreachable' },
    action: { ru: 'Проверьте сеть до сервера PostgreSQL завода и его работу (plant.url)', en: "Check the network to the plant's PostgreSQL server and the server itself (plant.url)" },
  },
  PLANT_UNREACHABLE: {
    severity: 'fault',
    text: { ru: 'Нет связи с реестром кодов завода: проверка дублей между линиями невозможна ({policy})', en: 'The plant code register is unreachable: no duplicate check across lines ({policy})' },
    action: { ru: 'Проверьте сеть и сервер реестра. «Удержание»: упаковки отбраковываются, линия стоит до восстановления связи. «Локально»: линия работает с проверкой по своей базе, коды сверяются с реестром позже', en: 'Check the network and the register server. "Hold": packs are rejected and the line waits for the link. "Local": the line runs on its own store and the codes are checked against the register later' },
  },
  PLANT_DUPLICATE_FOUND: {
    severity: 'warning',
    text: { ru: 'Код {code} принят на этой линии, пока реестр был недоступен, но уже был на линии {other}', en: 'Code {code} was accepted on this line while the register was unreachable, but line {other} had it first' },
    action: { ru: 'Найдите упаковку с этим кодом (вкладка «Поиск») и изымите её из короба; сообщите о дубле ответственному за маркировку', en: 'Find the pack with this code (Find tab) and take it out of its box; report the duplicate to whoever is responsible for marking' },
  },
  PLC_LOST: {
    severity: 'fault',
    text: { ru: 'Нет связи с ПЛК: нет сигнала жизни {seconds} с', en: 'PLC link lost: no heartbeat for {seconds} s' },
    action: { ru: 'Проверьте ПЛК (в работе ли программа), сетевой кабель и клиент Modbus TCP в ПЛК; связь восстанавливается сама, ПЛК отбраковывает всё на конвейере', en: 'Check the PLC (is its program running), the network cable and its Modbus TCP client; the link recovers by itself, the PLC rejects everything on the conveyor' },
  },

  // ---- manual aggregation station and box/pallet label checks (docs/station.md, docs/verifiers.md) ----------
  LC_ERR_STATION_INPUT: {
    severity: 'warning',
    text: { ru: 'Сканер прислал не код: строка отклонена', en: 'The scanner sent something that is not a code: line refused' },
    action: { ru: 'Проверьте настройку сканера (суффикс CR/LF, разделитель GS, скорость порта) — docs/station.md', en: "Check the scanner's set-up (CR/LF suffix, GS separator, baud rate): docs/station.md" },
  },
  LC_ERR_STATION_BOX: {
    severity: 'fault',
    text: { ru: 'Короб станции агрегации не в том состоянии для этого действия', en: 'The station box is not in a state for that action' },
    action: CHECK_LOG,
  },
  SCANNER_OFFLINE: {
    severity: 'warning',
    text: { ru: 'Сканер {scanner} станции агрегации не на связи', en: 'Station scanner {scanner} not connected' },
    action: { ru: 'Проверьте кабель и питание сканера; порт открывается заново сам', en: "Check the scanner's cable and power; the port is reopened by itself" },
  },
  SCANNER_INPUT: {
    severity: 'warning',
    text: { ru: 'Сканер {scanner} прислал не код: {reason}', en: 'Scanner {scanner} sent something that is not a code: {reason}' },
    action: { ru: 'Проверьте настройку сканера (суффикс CR/LF, скорость, чётность) — docs/station.md', en: "Check the scanner's set-up (CR/LF suffix, baud rate, parity): docs/station.md" },
  },
  LABEL_CHECK_FAILED: {
    severity: 'fault',
    text: { ru: 'Этикетка {level} {sscc} не прошла проверку: {reason}', en: '{level} label {sscc} failed its check: {reason}' },
    action: { ru: 'Снимите короб (паллету) с конвейера, проверьте содержимое и этикетку; перепечатайте этикетку (тот же SSCC) и проверьте снова, или спишите короб', en: 'Take the box (pallet) off the conveyor, check its contents and label; reprint the label (same SSCC) and check again, or scrap the box' },
  },

  // ---- line alarms: printers, pool, state ------------------------------------------------------------------
  LABEL_FAILED: {
    severity: 'fault',
    text: { ru: 'Этикетка {level} {sscc} не напечатана', en: '{level} label {sscc} not printed' },
    action: { ru: 'Проверьте этикеточный принтер (бумага, лента, головка) и перепечатайте этикетку', en: 'Check the label printer (media, ribbon, head) and reprint the label' },
  },
  CLEAR_FAILED: {
    severity: 'warning',
    text: { ru: 'Буфер принтера не очищен: коды будут списаны при перезапуске', en: 'Printer buffer not cleared: its codes will be written off at restart' },
    action: { ru: 'Проверьте связь с принтером', en: 'Check the printer link' },
  },
  UNCERTAIN_CODES: {
    severity: 'warning',
    text: { ru: 'Списано кодов с неизвестной судьбой: {count}', en: '{count} codes of unknown fate written off' },
    action: { ru: 'Действий не требуется: коды уйдут в отчёт о выбытии', en: 'Nothing to do: the codes go out in the dropout report' },
  },
  STATE_FAILED: {
    severity: 'fault',
    text: { ru: 'Переход «{state}» не выполнен', en: '{state} failed' },
    action: { ru: 'Повторите команду; если не проходит — сообщите инженеру', en: 'Try the command again; tell the engineer if it keeps failing' },
  },
  FAULT_PRINTER: {
    severity: 'fault',
    text: { ru: 'Неисправность принтера: {reason}', en: 'Printer fault: {reason}' },
    action: { ru: 'Устраните неисправность принтера (чернила, головка, кабель), квитируйте аварию и снимите удержание', en: 'Fix the printer (ink, head, cable), acknowledge the alarm and unhold' },
  },
  FAULT_LABEL_PRINTER: {
    severity: 'fault',
    text: { ru: 'Неисправность этикеточного принтера: {reason}', en: 'Label printer fault: {reason}' },
    action: { ru: 'Проверьте бумагу, ленту и головку, квитируйте аварию и снимите удержание', en: 'Check media, ribbon and head, acknowledge the alarm and unhold' },
  },
  FAULT_CAMERA: {
    severity: 'fault',
    text: { ru: 'Камера не работает: {reason}', en: 'Camera fault: {reason}' },
    action: { ru: 'Проверьте питание и сеть камеры; линия продолжит, когда камера вернётся', en: "Check the camera's power and network; the line goes on when it is back" },
  },
  FAULT_POOL_LOW: {
    severity: 'fault',
    text: { ru: 'Не хватает кодов: {reason}', en: 'Codes running out: {reason}' },
    action: { ru: 'Проверьте заказ кодов в СУЗ; линия продолжит, когда коды поступят', en: 'Check the code order in the OMS; the line goes on when codes arrive' },
  },
  FAULT_REJECTS: {
    severity: 'fault',
    text: { ru: 'Брак подряд: {reason}', en: 'Rejects in a row: {reason}' },
    action: { ru: 'Проверьте печать и камеру (положение, фокус, загрязнение), затем снимите удержание', en: 'Check the print and the camera (position, focus, dirt), then unhold' },
  },
  FAULT_REJECT_RATE: {
    severity: 'fault',
    text: { ru: 'Слишком много брака: {reason}', en: 'Too many rejects: {reason}' },
    action: { ru: 'Проверьте печать, камеру и продукт (положение, фокус, загрязнение, качество упаковки); предел задаётся на вкладке «Наладка». Затем снимите удержание', en: 'Check the print, the camera and the product (position, focus, dirt, pack quality); the limit is set on the Set-up tab. Then unhold' },
  },
  FAULT_PLANT: {
    severity: 'fault',
    text: { ru: 'Нет проверки дублей по заводу: {reason}', en: 'No plant-wide duplicate check: {reason}' },
    action: { ru: 'Восстановите связь с реестром кодов завода, затем снимите удержание; или переключите линию на локальную проверку (plant.whenUnreachable: local)', en: 'Restore the link to the plant code register, then unhold; or switch the line to local checking (plant.whenUnreachable: local)' },
  },
  FAULT_BROKER: {
    severity: 'fault',
    text: { ru: 'Нет связи с брокером: {reason}', en: 'Broker link lost: {reason}' },
    action: { ru: 'Проверьте сеть и брокер MQTT; связь восстанавливается автоматически', en: 'Check the network and the MQTT broker; the link is restored automatically' },
  },
  FAULT_STORE: {
    severity: 'fault',
    text: { ru: 'Сбой хранилища: {reason}', en: 'Store failure: {reason}' },
    action: { ru: 'Проверьте свободное место на диске и сообщите инженеру', en: 'Check free disk space and tell the engineer' },
  },
  FAULT_CONFIG: {
    severity: 'fault',
    text: { ru: 'Ошибка конфигурации: {reason}', en: 'Configuration fault: {reason}' },
    action: { ru: 'Исправьте конфигурацию и перезапустите контроллер', en: 'Correct the configuration and restart the controller' },
  },
} as const satisfies Record<string, CatalogueEntry>

/** Every code of the catalogue. */
export type CatalogueCode = keyof typeof CATALOGUE
/** The codes a LineError may carry. */
export type ErrorCode = Extract<CatalogueCode, `LC_ERR_${string}`>
/** Any catalogue code may be raised as an alarm. */
export type AlarmCode = CatalogueCode

type NamesIn<S extends string> = S extends `${string}{${infer P}}${infer Rest}` ? P | NamesIn<Rest> : never
/** The `{parameters}` of a code's text. */
export type ParamNames<C extends CatalogueCode> = NamesIn<typeof CATALOGUE[C]['text']['ru']> | NamesIn<typeof CATALOGUE[C]['text']['en']>
/** A parameter: a number, a string used as it is in both languages, or a bilingual word. */
export type ParamValue = string | number | Bilingual
export type Params<C extends CatalogueCode> = { [K in ParamNames<C>]: ParamValue }

/** A code with the parameters its text needs (none: `params` may be left out). */
export type AlarmOf<C extends CatalogueCode> = C extends CatalogueCode
  ? ([ParamNames<C>] extends [never] ? { code: C, params?: Record<string, never> } : { code: C, params: Params<C> })
  : never
/** Any catalogue code with its parameters: what a module hands over to be raised. */
export type AlarmRef = AlarmOf<CatalogueCode>

/** Just the code and its parameters of anything that carries them (an outbox alarm, an emission alarm). */
export function alarmRef (a: AlarmRef): AlarmRef {
  return (a.params === undefined ? { code: a.code } : { code: a.code, params: a.params }) as AlarmRef
}

export const CODES: readonly CatalogueCode[] = Object.keys(CATALOGUE) as CatalogueCode[]

export function isCatalogueCode (s: string): s is CatalogueCode { return Object.hasOwn(CATALOGUE, s) }

export function entryOf (code: CatalogueCode): CatalogueEntry { return CATALOGUE[code] }

/** The names of `{parameters}` in a template, in order. */
export function paramNames (template: string): string[] {
  return [...template.matchAll(/\{([A-Za-z][A-Za-z0-9]*)\}/g)].map(m => m[1] as string)
}

function fill (template: string, params: Readonly<Record<string, ParamValue>> | undefined, lang: keyof Bilingual): string {
  return template.replace(/\{([A-Za-z][A-Za-z0-9]*)\}/g, (whole, name: string) => {
    const v: ParamValue | null | undefined = params?.[name]
    // a missing value shows as the visible gap `{name}`, never as a crash in the middle of raising an alarm
    if (v === undefined || v === null) return whole
    return typeof v === 'object' ? String(v[lang]) : String(v)
  })
}

/** The operator's text of a code in both languages, parameters filled in. */
export function textOf (ref: AlarmRef): Bilingual {
  const e = CATALOGUE[ref.code]
  const params = ref.params as Readonly<Record<string, ParamValue>> | undefined
  return { ru: fill(e.text.ru, params, 'ru'), en: fill(e.text.en, params, 'en') }
}
