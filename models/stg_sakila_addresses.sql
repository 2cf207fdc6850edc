-- One row per Sakila address, with its city and country names.
with addresses as (
    select
        cast(addresses.address_id as integer) as address_id,
        nullif(trim(cast(addresses.address as string)), '') as address_line1,
        nullif(trim(cast(addresses.address2 as string)), '') as address_line2,
        nullif(trim(cast(addresses.district as string)), '') as district,
        cast(addresses.city_id as integer) as city_id,
        -- NOTE: the CSV reader may type postal_code and phone as integers, which would drop
        -- leading zeros. No value in the bundled file starts with a zero.
        nullif(trim(cast(addresses.postal_code as string)), '') as postal_code,
        -- Digits only, without a country code, so the dialling prefix has to come from country.
        nullif(trim(cast(addresses.phone as string)), '') as phone
    from {{source "sakila" "address"}} as addresses
),

cities as (
    select
        cast(cities.city_id as integer) as city_id,
        cast(cities.city as string) as city,
        cast(cities.country_id as integer) as country_id
    from {{source "sakila" "city"}} as cities
),

countries as (
    select
        cast(countries.country_id as integer) as country_id,
        cast(countries.country as string) as country
    from {{source "sakila" "country"}} as countries
)

select
    addresses.address_id,
    addresses.address_line1,
    addresses.address_line2,
    addresses.district,
    addresses.postal_code,
    addresses.phone,
    cities.city,
    countries.country
from addresses
left join cities on cities.city_id = addresses.city_id
left join countries on countries.country_id = cities.country_id
